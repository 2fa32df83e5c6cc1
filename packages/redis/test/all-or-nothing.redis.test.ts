import { describe, expect, it } from 'bun:test'
import { testRedis } from '@flash/testing'
import {
  findOrderState,
  type MoveRequest,
  moveOrderState,
  moveOrderStates,
  offerKeys,
  type RedisClient,
  type ReserveInput,
  reserve,
  scanKeys,
  streamKey,
} from '../src/index.ts'
import { liveSale } from './live-sale.ts'

// Redis does not undo a script's earlier writes when a later command fails.
// Each script therefore checks whatever could make a later command fail
// before its first write: these tests break one key at a time and expect the
// order refused with every key under the test's prefix exactly as it was.

const FAIL: MoveRequest = {
  userId: null,
  from: ['pending'],
  to: 'failed',
  restore: true,
  ttlSeconds: 600,
}

/** Every key under the prefix, its type and its serialized value: equal means nothing changed. */
async function everything(redis: RedisClient, prefix: string): Promise<Record<string, string>> {
  const keys: string[] = []
  for await (const batch of scanKeys(redis, `${prefix}*`)) keys.push(...batch.keys)
  keys.sort()
  const values: Record<string, string> = {}
  for (const key of keys)
    values[key] =
      `${await redis.type(key)} ${(await redis.dumpBuffer(key))?.toString('base64')} ${await redis.ttl(key)}`
  return values
}

/** A fresh prefix with a live sale (no per-buyer limit) of `stock` units at `price`. */
async function world(stock = 10, price = 700) {
  const r = await testRedis()
  const offer = await liveSale(r, { stock, price })
  const order = (userId: string, quantity = 1): ReserveInput => ({
    offer,
    orderId: Bun.randomUUIDv7(),
    userId,
    quantity,
    fingerprint: 'f',
    idempotencyKey: `key of ${userId}`,
    idempotencyTtlSeconds: 60,
    orderTtlSeconds: 60,
  })
  const keys = { ...offerKeys(r.space, offer), stream: streamKey(r.space, 0, 'orders') }
  return { r, offer, order, keys, [Symbol.asyncDispose]: () => r[Symbol.asyncDispose]() }
}

type World = Awaited<ReturnType<typeof world>>

/** Ways to break one key the scripts write, and what the script answers about it. */
const BREAKAGES: {
  what: string
  why: RegExp
  apply: (w: World, userId: string) => Promise<unknown>
}[] = [
  {
    what: 'the buyers key is a list',
    why: /WRONGTYPE/,
    apply: async (w) => {
      await w.r.redis.del(w.keys.buyers)
      await w.r.redis.rpush(w.keys.buyers, 'x')
    },
  },
  {
    what: "the buyer's field is not an integer",
    why: /the buyer's units are not an integer/,
    apply: (w, userId) => w.r.redis.hset(w.keys.buyers, userId, 'abc'),
  },
  {
    what: 'the stock key is a hash',
    why: /WRONGTYPE|the stock key holds another type/,
    apply: async (w) => {
      const stock = await w.r.redis.get(w.keys.stock)
      await w.r.redis.del(w.keys.stock)
      await w.r.redis.hset(w.keys.stock, 'units', stock ?? '0')
    },
  },
  {
    what: 'the orders stream key is a string',
    why: /the orders stream key holds another type/,
    apply: async (w) => {
      await w.r.redis.del(w.keys.stream)
      await w.r.redis.set(w.keys.stream, 'not a stream')
    },
  },
]

describe('reserve-orders.lua, all or nothing per order', () => {
  for (const { what, why, apply } of BREAKAGES)
    it(`answers CommandFailed and changes nothing when ${what}`, async () => {
      await using w = await world()
      // One order placed first, so the stream and the buyers hash exist.
      expect((await reserve(w.r.redis, w.r.space, w.order('first'))).isOk()).toBe(true)
      await apply(w, 'buyer')
      const before = await everything(w.r.redis, w.r.prefix)

      const result = await reserve(w.r.redis, w.r.space, w.order('buyer'))

      const refusal = result.isErr() ? result.error : null
      expect({
        type: refusal?.type,
        why: refusal?.type === 'RedisUnavailable' && String((refusal.cause as Error).message),
        after: await everything(w.r.redis, w.r.prefix),
      }).toEqual({ type: 'RedisUnavailable', why: expect.stringMatching(why), after: before })
    })

  it('answers CommandFailed for a stock that is not an integer, and changes nothing', async () => {
    await using w = await world()
    await w.r.redis.set(w.keys.stock, '1.5')
    const before = await everything(w.r.redis, w.r.prefix)
    const result = await reserve(w.r.redis, w.r.space, w.order('buyer'))
    expect({
      refusal: result.isErr() && result.error,
      after: await everything(w.r.redis, w.r.prefix),
    }).toEqual({
      refusal: { type: 'RedisUnavailable', cause: new Error('the stock is not an integer') },
      after: before,
    })
  })
})

describe('move-orders.lua, all or nothing per order', () => {
  /** A world with one pending order of 2 units by 'buyer', and its live state. */
  async function withOrder() {
    const w = await world()
    const placed = await reserve(w.r.redis, w.r.space, w.order('buyer', 2))
    if (placed.isErr() || placed.value.type !== 'Placed') throw new Error('not placed')
    const state = await findOrderState(w.r.redis, w.r.space, placed.value.orderId)
    if (!state) throw new Error('no live state')
    return Object.assign(w, { state })
  }

  for (const { what, why, apply } of BREAKAGES)
    it(`answers CommandFailed and changes nothing when ${what}`, async () => {
      await using w = await withOrder()
      await apply(w, 'buyer')
      const before = await everything(w.r.redis, w.r.prefix)

      const result = await moveOrderState(w.r.redis, w.r.space, w.state, FAIL)

      const refusal = result.isErr() ? result.error : null
      expect({
        type: refusal?.type,
        why: refusal?.type === 'RedisUnavailable' && String((refusal.cause as Error).message),
        after: await everything(w.r.redis, w.r.prefix),
      }).toEqual({ type: 'RedisUnavailable', why: expect.stringMatching(why), after: before })
    })

  it('gives the units back once however often a refused move is retried', async () => {
    await using w = await withOrder()
    const stock = Number(await w.r.redis.get(w.keys.stock))
    await w.r.redis.del(w.keys.buyers)
    await w.r.redis.rpush(w.keys.buyers, 'x')
    for (let attempt = 0; attempt < 3; attempt++)
      expect((await moveOrderState(w.r.redis, w.r.space, w.state, FAIL)).isErr()).toBe(true)
    // The key is repaired; the next retry moves the order, and only it gives the units back.
    await w.r.redis.del(w.keys.buyers)
    await w.r.redis.hset(w.keys.buyers, 'buyer', 2)
    const moved = await moveOrderState(w.r.redis, w.r.space, w.state, FAIL)
    const again = await moveOrderState(w.r.redis, w.r.space, w.state, FAIL)

    expect({
      moved: moved.isOk() && moved.value.type,
      again: again.isOk() && again.value.type,
      stock: Number(await w.r.redis.get(w.keys.stock)),
      held: await w.r.redis.hget(w.keys.buyers, 'buyer'),
      status: (await findOrderState(w.r.redis, w.r.space, w.state.id))?.status,
    }).toEqual({
      moved: 'Moved',
      again: 'AlreadyThere',
      stock: stock + 2,
      held: null,
      status: 'failed',
    })
  })

  it('moves the rest of a batch when one order is refused, and fails the batch so it is retried', async () => {
    await using w = await withOrder()
    const placed = await reserve(w.r.redis, w.r.space, w.order('other'))
    const other = placed.isOk()
      ? await findOrderState(w.r.redis, w.r.space, placed.value.orderId)
      : null
    if (!other) throw new Error('not placed')
    await w.r.redis.hset(w.keys.buyers, 'buyer', 'abc')

    const batch = await moveOrderStates(w.r.redis, w.r.space, [
      { state: w.state, request: FAIL },
      { state: other, request: FAIL },
    ])

    expect({
      failed: batch.isErr() && String((batch.error.cause as Error).message),
      statuses: [
        (await findOrderState(w.r.redis, w.r.space, w.state.id))?.status,
        (await findOrderState(w.r.redis, w.r.space, other.id))?.status,
      ],
    }).toEqual({
      failed: `move-orders.lua moved nothing for order ${w.state.id}: the buyer's units are not an integer`,
      statuses: ['pending', 'failed'],
    })
  })
})
