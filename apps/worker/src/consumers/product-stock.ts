import { type OrderEvent, type OrderStatus, releasesUnits } from '@flash/contracts'
import { orders, products } from '@flash/db'
import type { Db } from '@flash/db/client'
import { asc, inArray, sql } from 'drizzle-orm'
import { escape as escapeValue } from 'mysql2'

type Executor = Pick<Db, 'select' | 'execute'>

/**
 * Keeps `products.stock` equal to the units on hand minus those held by the
 * list-price orders MySQL stores, so that after Redis loses its counter the
 * product can be published again from MySQL without selling units twice.
 * Call it first in the order-writer's transaction, with each order's event
 * of the highest seq in the batch (flash-sale orders are skipped: a sale's
 * units left the product's stock when the sale was created).
 *
 * An order changes the stock only when its row changes, and by what its row
 * holds before and after: a placed order (or any status that keeps units)
 * stored for the first time takes its units; a move from a status that keeps
 * them to one that releases them (`releasesUnits`: cancelled, failed,
 * returned) gives them back. An event whose seq is not above the row's
 * changes neither the row nor the stock, so a replayed or duplicated event
 * counts once, and events in any order leave the stock the last one implies.
 *
 * The product rows are locked first, in id order: every writer of a
 * product's orders takes them, so two writers holding events of one order
 * take turns, and the rows read next show what the previous one committed
 * (the transaction reads committed data, see `writeOrders`).
 *
 * @example
 * await db.transaction(async (tx) => { await keepProductStock(tx, latest); ... }, { isolationLevel: 'read committed' })
 */
export async function keepProductStock(tx: Executor, latest: readonly OrderEvent[]): Promise<void> {
  const listPrice = latest.filter((event) => event.saleId === null)
  if (listPrice.length === 0) return
  const productIds = [...new Set(listPrice.map((event) => event.productId))].sort()
  await tx
    .select({ id: products.id })
    .from(products)
    .where(inArray(products.id, productIds))
    .orderBy(asc(products.id))
    .for('update')
  const stored = await tx
    .select({ id: orders.id, status: orders.status, seq: orders.seq })
    .from(orders)
    .where(
      inArray(
        orders.id,
        listPrice.map((event) => event.orderId),
      ),
    )
  const rows = new Map(stored.map((row) => [row.id, row]))
  const deltas = new Map<string, number>()
  for (const event of listPrice) {
    const row = rows.get(event.orderId)
    if (row && event.seq <= row.seq) continue
    const before = row && holds(row.status) ? event.quantity : 0
    const after = holds(statusOf(event)) ? event.quantity : 0
    if (after !== before)
      deltas.set(event.productId, (deltas.get(event.productId) ?? 0) + before - after)
  }
  const changed = [...deltas].filter(([, delta]) => delta !== 0)
  if (changed.length === 0) return
  // Clamped at zero rather than refused: a refusal would fail the batch on every
  // retry and hold back the orders behind it; an admin sets the stock right.
  const cases = changed
    .map(
      ([id, delta]) => `when ${escapeValue(id)} then greatest(cast(stock as signed) + ${delta}, 0)`,
    )
    .join(' ')
  const ids = changed.map(([id]) => escapeValue(id)).join(',')
  await tx.execute(sql.raw(`update products set stock = case id ${cases} end where id in (${ids})`))
}

function holds(status: OrderStatus): boolean {
  return !releasesUnits(status)
}

function statusOf(event: OrderEvent): OrderStatus {
  return event.type === 'order.placed' ? 'pending' : event.to
}
