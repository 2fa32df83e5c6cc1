import { describe, expect, it, setDefaultTimeout } from 'bun:test'
import { orders, products } from '@flash/db'
import {
  findOrderState,
  moveOrderState,
  offerKeys,
  publishOffer,
  reserve,
  streamKey,
} from '@flash/redis'
import { createBuyers, createProduct, waitFor } from '@flash/testing'
import { eq, inArray } from 'drizzle-orm'
import { lastAppliedEntryId } from '../src/consumers/stream-marks.ts'
import { type Pipeline, pipeline } from './helpers.ts'

// Real worker processes: seconds are possible on a loaded machine.
setDefaultTimeout(60_000)

const STOCK = 50

/** A product with STOCK units in MySQL and in its live counter, and list-price orders placed as checkout would. */
async function productOrders(p: Pipeline, quantities: number[]) {
  const productId = await createProduct(p.database.db, { stock: STOCK })
  const offer = { kind: 'product' as const, id: productId }
  await publishOffer(
    p.r.redis,
    p.r.space,
    offer,
    { productId, saleId: '', price: 700, perUserLimit: 0 },
    STOCK,
  )
  const buyers = await createBuyers(p.database.db, quantities.length)
  const orderIds: string[] = []
  for (const [i, quantity] of quantities.entries()) {
    const orderId = Bun.randomUUIDv7()
    const placed = await reserve(p.r.redis, p.r.space, {
      offer,
      orderId,
      userId: buyers[i] as string,
      quantity,
      fingerprint: 'f',
      idempotencyKey: `k${i}`,
      idempotencyTtlSeconds: 600,
      orderTtlSeconds: 3600,
    })
    if (placed.isErr()) throw new Error(`could not place order ${i}: ${placed.error.type}`)
    orderIds.push(orderId)
  }
  const stream = streamKey(p.r.space, 0, 'orders')
  return {
    productId,
    orderIds,
    stream,
    async stock() {
      const [row] = await p.database.db
        .select({ stock: products.stock })
        .from(products)
        .where(eq(products.id, productId))
      const live = await p.r.redis.get(offerKeys(p.r.space, offer).stock)
      return { mysql: row?.stock, redis: Number(live) }
    },
    async statuses() {
      const rows = await p.database.db
        .select({ id: orders.id, status: orders.status })
        .from(orders)
        .where(inArray(orders.id, orderIds))
      return orderIds.map((id) => rows.find((row) => row.id === id)?.status)
    },
    /** The worker has committed every entry the orders stream holds now. */
    async caughtUp() {
      const [last] = await p.r.redis.xrevrange(stream, '+', '-', 'COUNT', 1)
      return last !== undefined && (await lastAppliedEntryId(p.database.db, stream)) === last[0]
    },
  }
}

describe("products' stock in MySQL, kept by the worker's order-writer", () => {
  it("takes the units of stored list-price orders from the product's stock", async () => {
    await using p = await pipeline()
    const world = await productOrders(p, [1, 2, 3])
    await using _worker = p.startWorker()

    await waitFor(world.caughtUp, { what: 'the worker to store every order' })

    expect(await world.stock()).toEqual({ mysql: STOCK - 6, redis: STOCK - 6 })
  })

  it("gives a cancelled order's units back to the product's stock once", async () => {
    await using p = await pipeline()
    const world = await productOrders(p, [2, 3])
    await using _worker = p.startWorker()
    await waitFor(world.caughtUp, { what: 'the worker to store every order' })

    const [cancelled] = world.orderIds as [string]
    const state = await findOrderState(p.r.redis, p.r.space, cancelled)
    if (!state) throw new Error('no live state')
    const moved = await moveOrderState(p.r.redis, p.r.space, state, {
      userId: state.userId,
      from: ['pending', 'paid'],
      to: 'cancelled',
      restore: true,
      ttlSeconds: 3600,
    })
    expect(moved.isOk()).toBe(true)
    await waitFor(async () => (await world.statuses())[0] === 'cancelled' && world.caughtUp(), {
      what: 'the worker to store the cancel',
    })

    expect(await world.stock()).toEqual({ mysql: STOCK - 3, redis: STOCK - 3 })
  })

  it('changes the stock once when the same order events are delivered twice', async () => {
    await using p = await pipeline()
    const world = await productOrders(p, [1, 4])
    const [cancelled] = world.orderIds as [string]
    const state = await findOrderState(p.r.redis, p.r.space, cancelled)
    if (!state) throw new Error('no live state')
    await moveOrderState(p.r.redis, p.r.space, state, {
      userId: state.userId,
      from: ['pending'],
      to: 'cancelled',
      restore: true,
      ttlSeconds: 3600,
    })
    // Every event of the stream once more, as a producer retrying its XADD would write it.
    const written = (await p.r.redis.xrange(world.stream, '-', '+')) as [string, string[]][]
    for (const [, fields] of written) await p.r.redis.xadd(world.stream, '*', ...fields)
    await using _worker = p.startWorker()

    await waitFor(world.caughtUp, { what: 'the worker to store every event, twice' })

    expect({ statuses: await world.statuses(), stock: await world.stock() }).toEqual({
      statuses: ['cancelled', expect.stringMatching(/^(pending|paid)$/)],
      stock: { mysql: STOCK - 4, redis: STOCK - 4 },
    })
  })
})
