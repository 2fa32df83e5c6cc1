import { describe, expect, it, setDefaultTimeout } from 'bun:test'
import { toFields } from '@flash/contracts'
import { orders, shipments } from '@flash/db'
import { streamKey } from '@flash/redis'
import { readDeadLetters } from '@flash/streams'
import { waitFor } from '@flash/testing'
import { count, inArray } from 'drizzle-orm'
import { pipeline, placeOrders } from './helpers.ts'

setDefaultTimeout(120_000)

describe('a poison event', () => {
  it('ends in the dead-letter stream after 5 deliveries while the events behind it flow', async () => {
    await using p = await pipeline()
    const shipping = streamKey(p.r.space, 0, 'shipping')
    // A shipment for an order that does not exist: the foreign key refuses it every time.
    const ghost = Bun.randomUUIDv7()
    await p.r.redis.xadd(shipping, '*', ...toFields({ type: 'shipping.requested', orderId: ghost }))
    const { orderIds } = await placeOrders(p, 20)
    await using _worker = p.startWorker()

    await waitFor(
      async () => {
        const [row] = await p.database.db
          .select({ n: count() })
          .from(shipments)
          .where(inArray(shipments.orderId, orderIds))
        return row?.n === orderIds.length
      },
      { what: 'every real order shipped past the poison event', timeoutMs: 60_000 },
    )
    const dead = await waitFor(
      async () =>
        (await readDeadLetters(p.r.redis, streamKey(p.r.space, 0, 'dead-letter'))).find(
          (d) => d.fields?.orderId === ghost,
        ),
      { what: 'the poison event in the dead-letter stream', timeoutMs: 60_000 },
    )
    expect({ kind: dead.kind, deliveries: dead.deliveries, group: dead.group }).toEqual({
      kind: 'poison',
      deliveries: 5,
      group: 'shipping',
    })
    const [stored] = await p.database.db.select({ n: count() }).from(orders)
    expect(stored?.n).toBe(orderIds.length)
  })
})
