import { describe, expect, it } from 'bun:test'
import type { OrderEvent, OrderStatus } from '@flash/contracts'
import { orders, processedEvents } from '@flash/db'
import { createBuyers, createProduct, testDatabase } from '@flash/testing'
import { asc, inArray } from 'drizzle-orm'
import { insertRows } from '../src/bulk-sql.ts'
import { writeOrders } from '../src/consumers/order-rows.ts'

const placed = (orderId: string, userId: string, productId: string, at: Date): OrderEvent => ({
  type: 'order.placed',
  orderId,
  seq: 1,
  userId,
  saleId: null,
  productId,
  quantity: 1,
  unitPrice: 700,
  total: 700,
  idempotencyKey: `key-${orderId}`,
  placedAt: at,
})

/** The order's move number `seq` (placed is 1), with the snapshot its placed event has. */
const moved = (
  order: OrderEvent,
  seq: number,
  from: OrderStatus,
  to: OrderStatus,
  at: Date,
): OrderEvent => ({ ...order, type: 'order.moved', seq, from, to, restored: to === 'failed', at })

describe('the order-writer batch', () => {
  it('applies each order in its own order while paid and failed orders alternate', async () => {
    await using database = await testDatabase()
    const buyers = await createBuyers(database.db, 4)
    const product = await createProduct(database.db)
    const ids = buyers.map(() => Bun.randomUUIDv7())
    const [a, b, c, d] = ids as [string, string, string, string]
    const at = new Date('2026-11-30T10:00:00.123Z')
    const later = new Date('2026-11-30T10:00:01.456Z')
    const pa = placed(a, buyers[0] as string, product, at)
    const pb = placed(b, buyers[1] as string, product, at)
    const pc = placed(c, buyers[2] as string, product, at)
    const events = [
      pa,
      pb,
      moved(pa, 2, 'pending', 'paid', later),
      pc,
      moved(pb, 2, 'pending', 'failed', later),
      moved(pa, 3, 'paid', 'shipping', later),
      moved(pc, 2, 'pending', 'paid', later),
      placed(d, buyers[3] as string, product, at),
      moved(pc, 3, 'paid', 'cancelled', later),
    ]
    const batch = events.map((event, i) => ({ id: `${i + 1}-0`, event }))

    expect((await writeOrders(database.db)(batch)).isOk()).toBe(true)
    // A replay of the same batch changes nothing.
    expect((await writeOrders(database.db)(batch)).isOk()).toBe(true)

    const rows = await database.db
      .select({ id: orders.id, status: orders.status, createdAt: orders.createdAt })
      .from(orders)
      .where(inArray(orders.id, ids))
      .orderBy(asc(orders.id))
    expect(rows).toEqual([
      { id: a, status: 'shipping', createdAt: at },
      { id: b, status: 'failed', createdAt: at },
      { id: c, status: 'cancelled', createdAt: at },
      { id: d, status: 'pending', createdAt: at },
    ])
  })
})

describe('insertRows', () => {
  it('stores text that needs escaping and shared dates exactly', async () => {
    await using database = await testDatabase()
    const now = new Date('2026-11-30T10:00:00.789Z')
    const keys = ["it's", 'back\\slash', 'new\nline', 'order_paid:0193-ab', 'a "quote"', '']
    await insertRows(
      database.db,
      processedEvents,
      keys.map((eventId) => ({ eventId, consumer: 'test', processedAt: now })),
      'event_id = event_id',
    )
    const rows = await database.db.select().from(processedEvents)
    expect(new Set(rows.map((row) => row.eventId))).toEqual(new Set(keys))
    expect(rows.every((row) => row.processedAt.getTime() === now.getTime())).toBe(true)
  })
})
