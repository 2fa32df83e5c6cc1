import { describe, expect, it } from 'bun:test'
import { type TestRedis, testRedis } from '@flash/testing'
import {
  checkSoldOut,
  findOrderState,
  findOrderStates,
  generationKey,
  idempotencyKey,
  markFreshKeySpace,
  moveOrderStates,
  type Offer,
  offerKeys,
  RecoveringError,
  type ReserveInput,
  readGeneration,
  reserve,
  streamKey,
} from '../src/index.ts'
import { liveSale } from './live-sale.ts'

function order(offer: Offer, userId: string, key: string): ReserveInput {
  return {
    offer,
    orderId: Bun.randomUUIDv7(),
    userId,
    quantity: 1,
    fingerprint: 'q1',
    idempotencyKey: key,
    idempotencyTtlSeconds: 60,
    orderTtlSeconds: 60,
  }
}

const answers = (inputs: ReserveInput[], r: TestRedis) =>
  Promise.all(
    inputs.map((input) =>
      reserve(r.redis, r.space, input).match(
        (ok) => ok.type,
        (refusal) => refusal,
      ),
    ),
  )

/** What an order leaves in Redis besides its answer. */
async function traces(r: TestRedis, offer: Offer, userId: string, key: string) {
  const keys = offerKeys(r.space, offer)
  return {
    stock: await r.redis.get(keys.stock),
    held: await r.redis.hget(keys.buyers, userId),
    record: await r.redis.get(idempotencyKey(r.space, 0, userId, offer.id, key)),
    events: await r.redis.xlen(streamKey(r.space, 0, 'orders')),
  }
}

// testRedis stamps its key space current; these tests take the stamp away, or
// replace it with another server's, as an empty restart or a restore would.
describe('the generation marker', () => {
  it('refuses every order of a partition without a marker, changes nothing, and decides once it is stamped', async () => {
    await using r = await testRedis()
    const offer = await liveSale(r, { stock: 5, perUserLimit: 1 })
    await r.redis.del(generationKey(r.space, 0))

    const refused = await answers([order(offer, 'ann', 'k1'), order(offer, 'bob', 'k1')], r)
    const untouched = await traces(r, offer, 'ann', 'k1')
    await markFreshKeySpace(r.redis, r.space)
    const placed = await answers([order(offer, 'ann', 'k1')], r)

    expect({ refused, untouched, placed }).toEqual({
      refused: [
        { type: 'Recovering', partition: 0 },
        { type: 'Recovering', partition: 0 },
      ],
      untouched: { stock: '5', held: null, record: null, events: 0 },
      placed: ['Placed'],
    })
  })

  it('takes a marker stamped on another server (a restart, a restore, a failover) for no marker', async () => {
    await using r = await testRedis()
    const offer = await liveSale(r, { stock: 5 })
    const stamped = await readGeneration(r.redis, r.space, 0)
    await r.redis.set(generationKey(r.space, 0), 'f'.repeat(40))

    expect({
      before: stamped.state,
      after: (await readGeneration(r.redis, r.space, 0)).state,
      answers: await answers([order(offer, 'ann', 'k1')], r),
    }).toEqual({
      before: 'current',
      after: 'stale',
      answers: [{ type: 'Recovering', partition: 0 }],
    })
  })

  it('fails a batch of moves with a RecoveringError and moves nothing while the partition is not current', async () => {
    await using r = await testRedis()
    const offer = await liveSale(r, { stock: 5 })
    const input = order(offer, 'ann', 'k1')
    await reserve(r.redis, r.space, input)
    const state = await findOrderState(r.redis, r.space, input.orderId)
    if (!state) throw new Error('the order has no live state')
    await r.redis.del(generationKey(r.space, 0))

    const moved = await moveOrderStates(r.redis, r.space, [
      {
        state,
        request: {
          userId: null,
          from: ['pending'],
          to: 'cancelled',
          restore: true,
          ttlSeconds: 60,
        },
      },
    ])
    await markFreshKeySpace(r.redis, r.space)

    expect({
      cause: moved.isErr() && moved.error.cause instanceof RecoveringError,
      status: (await findOrderState(r.redis, r.space, input.orderId))?.status,
      stock: await r.redis.get(offerKeys(r.space, offer).stock),
    }).toEqual({ cause: true, status: 'pending', stock: '4' })
  })

  it('never answers sold out for a partition that is not current: the script would answer Recovering', async () => {
    await using r = await testRedis()
    const offer = await liveSale(r, { stock: 0 })
    const question = {
      offer,
      userId: 'ann',
      quantity: 1,
      idempotencyKey: 'k1',
      token: { tokenId: 'jti', issuedAt: Math.floor(Date.now() / 1000) },
    }
    const current = await checkSoldOut(r.redis, r.space, question)
    await r.redis.del(generationKey(r.space, 0))

    expect({ current, recovering: await checkSoldOut(r.redis, r.space, question) }).toEqual({
      current: { soldOut: true, remaining: 0 },
      recovering: { soldOut: false },
    })
  })

  it('does not take a missing live state for an expired one while a partition is not current', async () => {
    await using r = await testRedis()
    const missing = Bun.randomUUIDv7()
    const whenCurrent = await findOrderStates(r.redis, r.space, [missing])
    await r.redis.del(generationKey(r.space, 0))

    expect({
      whenCurrent: whenCurrent.size,
      recovering: await findOrderStates(r.redis, r.space, [missing]).catch(
        (error: unknown) => error instanceof RecoveringError,
      ),
    }).toEqual({ whenCurrent: 0, recovering: true })
  })
})
