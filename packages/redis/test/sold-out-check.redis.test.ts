import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type TestRedis, testRedis } from '@flash/testing'
import { checkSoldOut, type Offer, offerKeys, reserve, type SoldOutQuestion } from '../src/index.ts'
import { liveSale } from './live-sale.ts'

// Questions asked in the same turn of the event loop share one MULTI; these
// ask them that way, for two offers at once, and check each answer alone.
describe('checkSoldOut, batched per partition', () => {
  let r: TestRedis
  beforeAll(async () => {
    r = await testRedis()
  })
  afterAll(() => r[Symbol.asyncDispose]())

  const sale = (stock: number, perUserLimit: number) => liveSale(r, { stock, perUserLimit })

  function question(offer: Offer, userId: string, key: string, quantity = 1): SoldOutQuestion {
    const issuedAt = Math.floor(Date.now() / 1000)
    return {
      offer,
      userId,
      quantity,
      idempotencyKey: key,
      token: { tokenId: `jti-${key}`, issuedAt },
    }
  }

  const together = (questions: SoldOutQuestion[]) =>
    Promise.all(questions.map((q) => checkSoldOut(r.redis, r.space, q)))

  it('answers each question of a batch on its own, across offers', async () => {
    const limited = await sale(1, 1)
    const open = await sale(0, 0)
    const placed = await reserve(r.redis, r.space, {
      offer: limited,
      orderId: Bun.randomUUIDv7(),
      userId: 'ann',
      quantity: 1,
      fingerprint: 'q1',
      idempotencyKey: 'ann-1',
      idempotencyTtlSeconds: 60,
      orderTtlSeconds: 60,
    })
    expect(placed.isOk()).toBe(true)

    expect(
      await together([
        question(limited, 'ann', 'ann-1'), // her order: a replay
        question(limited, 'ann', 'ann-2'), // at her limit
        question(limited, 'bob', 'bob-1'),
        question(open, 'ann', 'ann-1'), // the same key for another offer: another request
        question(open, 'bob', 'bob-2', 3),
      ]),
    ).toEqual([
      { soldOut: false },
      { soldOut: false },
      { soldOut: true, remaining: 0 },
      { soldOut: true, remaining: 0 },
      { soldOut: true, remaining: 0 },
    ])
  })

  it('is unsure where the script would fail or look further, and says so for that offer only', async () => {
    const [badStock, noStock, badUnits, badTerms, fine] = await Promise.all([
      sale(0, 0),
      sale(0, 0),
      sale(0, 0),
      sale(0, 0),
      sale(0, 0),
    ])
    await r.redis.set(offerKeys(r.space, badStock).stock, '1e3')
    await r.redis.del(offerKeys(r.space, noStock).stock)
    await r.redis.hset(offerKeys(r.space, badUnits).buyers, 'eve', 'one')
    await r.redis.hset(offerKeys(r.space, badTerms).meta, 'price', '12.5')

    expect(
      await together([
        question(badStock, 'eve', 'k1'),
        question(noStock, 'eve', 'k2'),
        question(badUnits, 'eve', 'k3'),
        question(badUnits, 'fay', 'k4'),
        question(badTerms, 'eve', 'k5'),
        question(fine, 'eve', 'k6'),
      ]),
    ).toEqual([
      { soldOut: false },
      { soldOut: false },
      { soldOut: false },
      { soldOut: true, remaining: 0 },
      { soldOut: false },
      { soldOut: true, remaining: 0 },
    ])
  })
})
