import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { toEntries } from '@flash/streams'
import { type TestRedis, testRedis } from '@flash/testing'
import {
  idempotencyKey,
  type Offer,
  offerKeys,
  orderKey,
  type ReserveInput,
  rateKey,
  reserve,
  revocationKeys,
  streamKey,
} from '../src/index.ts'
import { liveSale } from './live-sale.ts'

// Orders asked for in the same turn of the event loop share one script call;
// these tests ask for them that way and check that each is still decided on
// its own, in the order it was asked.
describe('reserve, batched per partition', () => {
  let r: TestRedis
  beforeAll(async () => {
    r = await testRedis()
  })
  afterAll(() => r[Symbol.asyncDispose]())

  const sale = (stock: number, perUserLimit: number) => liveSale(r, { stock, perUserLimit })

  function order(offer: Offer, userId: string, key: string, quantity = 1): ReserveInput {
    return {
      offer,
      orderId: Bun.randomUUIDv7(),
      userId,
      quantity,
      fingerprint: `q${quantity}`,
      idempotencyKey: key,
      idempotencyTtlSeconds: 60,
      orderTtlSeconds: 60,
      token: { tokenId: `jti-${userId}`, issuedAt: Math.floor(Date.now() / 1000) },
    }
  }

  /** Every reserve is called before any is awaited: one batch. */
  async function together(inputs: ReserveInput[]) {
    const results = await Promise.all(inputs.map((input) => reserve(r.redis, r.space, input)))
    return results.map((result) =>
      result.match(
        (ok) => ok,
        (refusal) => refusal,
      ),
    )
  }

  it('decides each order of one batch in turn: replays, reused keys, limits and the last units', async () => {
    const offer = await sale(3, 2)
    const first = order(offer, 'ann', 'k1')
    const answers = await together([
      first,
      order(offer, 'ann', 'k1'), // the same request again
      order(offer, 'ann', 'k1', 2), // the same key, another body
      order(offer, 'ann', 'k2', 2), // over Ann's limit of 2
      order(offer, 'bob', 'k1', 2), // the same key is Bob's own
      order(offer, 'cy', 'k1'), // 0 left
    ])

    expect(answers).toEqual([
      { type: 'Placed', orderId: first.orderId, remaining: 2, partition: 0 },
      { type: 'Replayed', orderId: first.orderId },
      { type: 'IdempotencyKeyReused' },
      { type: 'LimitReached' },
      { type: 'Placed', orderId: expect.any(String), remaining: 0, partition: 0 },
      { type: 'SoldOut', remaining: 0 },
    ])
    expect(await r.redis.get(offerKeys(r.space, offer).stock)).toBe('0')
    expect(await r.redis.xlen(streamKey(r.space, 0, 'orders'))).toBeGreaterThanOrEqual(2)
  })

  it('places exactly the stock when far more orders than one batch holds arrive at once', async () => {
    const offer = await sale(150, 1)
    const answers = await together(
      Array.from({ length: 400 }, (_, i) => order(offer, `buyer-${i}`, `key-${i}`)),
    )

    const placed = answers.filter((answer) => answer.type === 'Placed')
    expect(placed.length).toBe(150)
    expect(answers.filter((answer) => answer.type === 'SoldOut').length).toBe(250)
    // Arrival order is kept across batches: the first 150 asked are the 150 served.
    expect(answers.slice(0, 150).every((answer) => answer.type === 'Placed')).toBe(true)
    expect(await r.redis.get(offerKeys(r.space, offer).stock)).toBe('0')
  })

  it('keeps two offers of one batch apart, and keeps a key with spaces whole', async () => {
    const small = await sale(1, 0)
    const large = await sale(5, 0)
    const spaced = order(large, 'dee', 'a key with spaces')
    const answers = await together([
      order(small, 'ann', 'k'),
      order(large, 'bob', 'k'),
      order(small, 'cy', 'k'),
      spaced,
      { ...order(large, 'dee', 'a key with spaces'), orderId: Bun.randomUUIDv7() },
    ])

    expect(answers.map((answer) => answer.type)).toEqual([
      'Placed',
      'Placed',
      'SoldOut',
      'Placed',
      'Replayed',
    ])
    expect(answers[4]).toEqual({ type: 'Replayed', orderId: spaced.orderId })
    expect(await r.redis.get(offerKeys(r.space, small).stock)).toBe('0')
    expect(await r.redis.get(offerKeys(r.space, large).stock)).toBe('3')
    const stream = streamKey(r.space, 0, 'orders')
    const events = toEntries([[stream, await r.redis.xrange(stream, '-', '+')]])
    const placedForDee = events.find(({ fields }) => fields?.orderId === spaced.orderId)
    expect(placedForDee?.fields?.idempotencyKey).toBe('a key with spaces')
  })

  it('fails only the order whose key Redis refuses, and places the rest of its batch', async () => {
    const offer = await sale(10, 0)
    // A key of the wrong type: counting this buyer's attempts fails, for this buyer only.
    await r.redis.hset(rateKey(r.space, 0, 'buyer', 'broken'), 'x', '1')
    const rate = { clientId: '203.0.113.7', perBuyer: 100, perClient: 100, windowSeconds: 60 }
    const answers = await together(
      ['before', 'broken', 'after'].map((buyer) => ({ ...order(offer, buyer, 'k'), rate })),
    )

    expect(answers.map((answer) => answer.type)).toEqual(['Placed', 'RedisUnavailable', 'Placed'])
    const failure = answers[1] as { cause: Error }
    expect(failure.cause.message).toBe('a rate counter holds another type')
    expect(await r.redis.get(offerKeys(r.space, offer).stock)).toBe('8')
  })

  it('refuses a logged-out token inside the batch without touching stock', async () => {
    const offer = await sale(5, 0)
    await r.redis.set(revocationKeys(r.space, 0, 'jti-gone', 'gone').token, '1')
    const answers = await together([order(offer, 'gone', 'k'), order(offer, 'here', 'k')])

    expect(answers.map((answer) => answer.type)).toEqual(['TokenRevoked', 'Placed'])
    expect(await r.redis.get(offerKeys(r.space, offer).stock)).toBe('4')
  })

  it('keeps the idempotency record and the order state for their own ttls, and refuses a ttl too large to be exact', async () => {
    const offer = await sale(5, 0)
    const input = {
      ...order(offer, 'dee', 'k'),
      idempotencyTtlSeconds: 86_400,
      orderTtlSeconds: 900,
    }
    const [placed] = await together([input])
    expect(placed?.type).toBe('Placed')
    const idempotencyMs = await r.redis.pttl(idempotencyKey(r.space, 0, 'dee', offer.id, 'k'))
    const orderMs = await r.redis.pttl(orderKey(r.space, 0, input.orderId))
    // Each within a minute of its full ttl: set from this call's clock, in milliseconds.
    expect(idempotencyMs).toBeGreaterThan(86_340_000)
    expect(idempotencyMs).toBeLessThanOrEqual(86_400_000)
    expect(orderMs).toBeGreaterThan(840_000)
    expect(orderMs).toBeLessThanOrEqual(900_000)

    const tooLarge = { ...order(offer, 'eve', 'k'), idempotencyTtlSeconds: 2 ** 52 }
    expect(
      await reserve(r.redis, r.space, tooLarge).match(
        () => 'placed',
        (refusal) => refusal.type,
      ),
    ).toBe('RedisUnavailable')
    expect(await r.redis.get(offerKeys(r.space, offer).stock)).toBe('4')
  })
})
