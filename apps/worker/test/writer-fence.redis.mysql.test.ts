import { expect, it } from 'bun:test'
import { orders } from '@flash/db'
import { offerKeys, streamKey } from '@flash/redis'
import { recoverPartition, writerFence } from '@flash/redis/recovery'
import { testDatabase, testRedis, waitFor } from '@flash/testing'
import { inArray } from 'drizzle-orm'
import { ORDER_WRITER_GROUP, startOrderWriter } from '../src/consumers/order-writer.ts'
import { placeOrders, testContext } from './helpers.ts'

const settings = {
  orderStateTtlSeconds: 3600,
  finishedOrderTtlSeconds: 600,
  idempotencyTtlSeconds: 86_400,
  returnWindowSeconds: 86_400,
  groups: [['orders', ORDER_WRITER_GROUP]] as const,
}

// Found by the fault campaign: a worker read an order from Redis just before
// Redis came back empty, and its connection came back only after another
// worker had rebuilt the partition from MySQL. Had it read the partition's
// generation then, it would have seen the new one, passed the fence, and
// stored an order that neither the rebuilt stock nor any live state counts
// (reconcile then took its unit away for good).
it('refuses a batch read from a Redis a recovery replaced while the batch was in hand, however late the order-writer gets to it', async () => {
  await using database = await testDatabase()
  await using r = await testRedis()
  const ctx = testContext(database, r)
  const { saleId, orderIds } = await placeOrders({ database, r }, 1, 5)
  const stream = (type: string) => streamKey(r.space, 0, type)

  let inHand!: () => void
  const read = new Promise<void>((resolve) => {
    inHand = resolve
  })
  let release!: () => void
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const writer = startOrderWriter({
    db: database.db,
    redis: r.redis,
    stream: stream('orders'),
    consumer: 'writer-1',
    deadLetterStream: stream('dead-letter'),
    paymentsStream: stream('payments'),
    refundsStream: stream('refunds'),
    shippingStream: stream('shipping'),
    emailsStream: stream('emails'),
    fence: writerFence(r.redis, r.space, 0, stream('orders')),
    blockMs: 100,
    retryDelayMs: 20,
    log: () => {},
    hooks: {
      // The batch is in hand; the order-writer gets to it only once the gate opens.
      afterRead: async () => {
        inHand()
        await gate
      },
    },
  })
  try {
    await read
    // Redis comes back empty, and a recovery rebuilds the partition from MySQL (which has no order yet).
    const keys = await r.redis.keys(`${r.prefix}*`)
    await r.redis.del(...keys)
    expect((await recoverPartition(ctx, 0, settings)).outcome).toBe('rebuilt')
    release()

    // The order-writer refuses the batch (a transient failure), and the Redis it reads again has none.
    await waitFor(
      () => {
        const { failed, handled } = writer.counters()
        return failed + handled > 0 || undefined
      },
      { what: 'the order-writer to settle the batch it read before the recovery' },
    )
    const stored = await database.db
      .select({ id: orders.id })
      .from(orders)
      .where(inArray(orders.id, orderIds))
    expect({
      stored,
      stock: await r.redis.get(offerKeys(r.space, { kind: 'sale', id: saleId }).stock),
    }).toEqual({ stored: [], stock: '5' })
  } finally {
    release()
    await writer.stop()
  }
})
