import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { OrderStatus } from '@flash/contracts'
import { toEntries } from '@flash/streams'
import { type TestRedis, testRedis } from '@flash/testing'
import {
  findOrderState,
  findOrderStates,
  type KeySpace,
  keySpace,
  type MoveRequest,
  markFreshKeySpace,
  moveOrderState,
  moveOrderStates,
  type Offer,
  offerKeys,
  orderKey,
  orderStateText,
  partitionOf,
  streamKey,
} from '../src/index.ts'

const PAY: MoveRequest = {
  userId: null,
  from: ['pending'],
  to: 'paid',
  restore: false,
  ttlSeconds: 600,
}
const FAIL: MoveRequest = { ...PAY, to: 'failed', restore: true }
const CANCEL = (userId: string): MoveRequest => ({
  ...PAY,
  userId,
  from: ['pending', 'paid'],
  to: 'cancelled',
  restore: true,
})

// A batch must move every order exactly as one call per order does. Each
// test builds two identical worlds, drives one order by order through
// moveOrderState and the other as one batch through moveOrderStates, and
// expects the same answers and the same Redis.
describe('moveOrderStates, the batch form of moveOrderState', () => {
  let r: TestRedis
  let space: KeySpace
  beforeAll(async () => {
    r = await testRedis()
    space = keySpace(r.prefix, 2)
    await markFreshKeySpace(r.redis, space)
  })
  afterAll(() => r[Symbol.asyncDispose]())

  /** A sale in the given partition with `stock` units left and orders as the reserve script writes them. */
  async function world(
    partition: number,
    stock: number,
    orders: { status: OrderStatus; age?: number }[],
  ) {
    let offer: Offer = { kind: 'sale', id: Bun.randomUUIDv7() }
    while (partitionOf(space, offer.id) !== partition)
      offer = { kind: 'sale', id: Bun.randomUUIDv7() }
    const keys = offerKeys(space, offer)
    await r.redis.set(keys.stock, stock)
    const ids: string[] = []
    for (const { status, age = 0 } of orders) {
      const id = Bun.randomUUIDv7()
      const userId = Bun.randomUUIDv7()
      const at = Date.now() - age
      await r.redis.hset(keys.buyers, userId, 2)
      await r.redis.set(
        orderKey(space, partition, id),
        orderStateText({
          id,
          userId,
          saleId: offer.id,
          productId: 'p',
          quantity: 2,
          unitPrice: 700,
          total: 1400,
          status,
          seq: 1,
          idempotencyKey: `key ${id}`,
          createdAt: new Date(at),
          updatedAt: new Date(at),
        }),
      )
      ids.push(id)
    }
    return { offer, keys, ids, partition }
  }

  type World = Awaited<ReturnType<typeof world>>

  /** What a world looks like now: statuses, stock, buyers' slots, events written. */
  async function snapshot(w: World) {
    const states = await Promise.all(w.ids.map((id) => findOrderState(r.redis, space, id)))
    const stream = streamKey(space, w.partition, 'orders')
    const events = toEntries([[stream, await r.redis.xrange(stream, '-', '+')]])
    return {
      statuses: states.map((s) => s?.status ?? null),
      stock: await r.redis.get(w.keys.stock),
      buyers: await r.redis.hlen(w.keys.buyers),
      events: events.filter(({ fields }) => w.ids.includes(fields?.orderId as string)).length,
    }
  }

  async function bothWays(
    build: () => Promise<World>,
    requests: (w: World) => { index: number; request: MoveRequest }[],
  ) {
    const one = await build()
    const many = await build()
    const oneStates = await findOrderStates(r.redis, space, one.ids)
    const manyStates = await findOrderStates(r.redis, space, many.ids)
    const singly: string[] = []
    for (const { index, request } of requests(one)) {
      const state = oneStates.get(one.ids[index] as string)
      if (!state) throw new Error('no state')
      const result = await moveOrderState(r.redis, space, state, request)
      singly.push(result.isOk() ? result.value.type : result.error.type)
    }
    const batch = await moveOrderStates(
      r.redis,
      space,
      requests(many).map(({ index, request }) => {
        const state = manyStates.get(many.ids[index] as string)
        if (!state) throw new Error('no state')
        return { state, request }
      }),
    )
    if (batch.isErr()) throw batch.error.cause
    return {
      one: { answers: singly, redis: await snapshot(one) },
      many: {
        answers: batch.value.map((result): string =>
          result.isOk() ? result.value.type : result.error.type,
        ),
        redis: await snapshot(many),
      },
    }
  }

  it('pays, fails and refuses each order as one call per order does, in the order given', async () => {
    const { one, many } = await bothWays(
      () =>
        world(0, 5, [
          { status: 'pending' },
          { status: 'pending' },
          { status: 'cancelled' },
          { status: 'paid' },
        ]),
      () => [
        { index: 0, request: PAY },
        { index: 1, request: FAIL },
        { index: 2, request: PAY },
        { index: 3, request: PAY },
        { index: 3, request: FAIL },
      ],
    )
    expect(many).toEqual(one)
    expect(many).toEqual({
      answers: ['Moved', 'Moved', 'NotAllowed', 'AlreadyThere', 'NotAllowed'],
      redis: {
        statuses: ['paid', 'failed', 'cancelled', 'paid'],
        stock: '7',
        buyers: 3,
        events: 2,
      },
    })
  })

  it('restores stock once for an order named twice in one batch', async () => {
    const { one, many } = await bothWays(
      () => world(1, 0, [{ status: 'pending' }]),
      () => [
        { index: 0, request: FAIL },
        { index: 0, request: FAIL },
      ],
    )
    expect(many).toEqual(one)
    expect(many).toEqual({
      answers: ['Moved', 'AlreadyThere'],
      redis: { statuses: ['failed'], stock: '2', buyers: 0, events: 1 },
    })
  })

  it("refuses another buyer's cancel and a move older than its window", async () => {
    const { one, many } = await bothWays(
      () => world(0, 0, [{ status: 'pending' }, { status: 'paid', age: 60_000 }]),
      () => [
        { index: 0, request: CANCEL('someone-else') },
        { index: 1, request: { ...PAY, from: ['paid'], to: 'returned', maxAgeMs: 1_000 } },
      ],
    )
    expect(many).toEqual(one)
    expect(many.answers).toEqual(['NoSuchOrder', 'TooLate'])
  })

  it('answers NoSuchOrder for an order whose live state expired after it was read', async () => {
    const w = await world(1, 0, [{ status: 'pending' }, { status: 'pending' }])
    const states = await findOrderStates(r.redis, space, w.ids)
    await r.redis.del(orderKey(space, 1, w.ids[0] as string))
    const batch = await moveOrderStates(
      r.redis,
      space,
      w.ids.map((id) => ({
        state: states.get(id) as NonNullable<ReturnType<typeof states.get>>,
        request: PAY,
      })),
    )
    expect(
      batch.isOk() && batch.value.map((x) => (x.isOk() ? x.value.type : x.error.type)),
    ).toEqual(['NoSuchOrder', 'Moved'])
  })

  it('moves orders of several partitions in one call each and answers in the order given', async () => {
    const a = await world(0, 0, [{ status: 'pending' }])
    const b = await world(1, 0, [{ status: 'pending' }])
    const ids = [b.ids[0], a.ids[0], b.ids[0]] as string[]
    const states = await findOrderStates(r.redis, space, ids)
    const batch = await moveOrderStates(
      r.redis,
      space,
      ids.map((id, i) => ({
        state: states.get(id) as NonNullable<ReturnType<typeof states.get>>,
        request: i === 1 ? FAIL : PAY,
      })),
    )
    expect({
      partitions: ids.map((id) => states.get(id)?.partition),
      answers: batch.isOk() && batch.value.map((x) => (x.isOk() ? x.value.type : x.error.type)),
      a: await snapshot(a),
      b: await snapshot(b),
    }).toEqual({
      partitions: [1, 0, 1],
      answers: ['Moved', 'Moved', 'AlreadyThere'],
      a: { statuses: ['failed'], stock: '2', buyers: 0, events: 1 },
      b: { statuses: ['paid'], stock: '0', buyers: 1, events: 1 },
    })
  })
})

describe('findOrderStates', () => {
  it('finds the live states of a batch in any partition and leaves out the missing ones', async () => {
    await using r = await testRedis()
    const space = keySpace(r.prefix, 3)
    await markFreshKeySpace(r.redis, space)
    const ids = [Bun.randomUUIDv7(), Bun.randomUUIDv7(), Bun.randomUUIDv7()]
    await r.redis.set(
      orderKey(space, 2, ids[0] as string),
      orderStateText({
        id: ids[0] as string,
        userId: 'u',
        saleId: null,
        productId: 'p',
        quantity: 1,
        unitPrice: 5,
        total: 5,
        status: 'pending',
        seq: 1,
        idempotencyKey: 'k',
        createdAt: new Date(1),
        updatedAt: new Date(2),
      }),
    )
    await r.redis.set(
      orderKey(space, 0, ids[2] as string),
      orderStateText({
        id: ids[2] as string,
        userId: 'v',
        saleId: 's',
        productId: 'p',
        quantity: 3,
        unitPrice: 5,
        total: 15,
        status: 'paid',
        seq: 2,
        idempotencyKey: 'k',
        createdAt: new Date(1),
        updatedAt: new Date(1),
      }),
    )
    const states = await findOrderStates(r.redis, space, ids)
    const one = (id: string) => findOrderState(r.redis, space, id)
    expect(Object.fromEntries(states) as Record<string, unknown>).toEqual({
      [ids[0] as string]: await one(ids[0] as string),
      [ids[2] as string]: await one(ids[2] as string),
    })
    expect([
      states.get(ids[0] as string)?.partition,
      states.get(ids[0] as string)?.saleId,
      states.get(ids[2] as string)?.updatedAt,
    ]).toEqual([2, null, new Date(1)])
  })
})
