import type { Client } from '../shop.ts'

/** Statuses whose units went back on sale: they count against no limit. */
const RELEASED = new Set(['cancelled', 'failed', 'returned'])

/**
 * How many units of a sale the signed-in buyer holds, from their stored
 * orders (an order placed a moment ago may not be listed yet; the page adds
 * its own wins). 0 when the orders cannot be read: the service enforces
 * the limit whatever the page believes.
 *
 * @example
 * await unitsHeld(client, saleId) // 2
 */
export async function unitsHeld(client: Client, saleId: string): Promise<number> {
  const listed = await client.orders.list()
  if (listed.isErr()) return 0
  let units = 0
  for (const order of listed.value.items)
    if (!RELEASED.has(order.status))
      for (const item of order.items) if (item.saleId === saleId) units += item.quantity
  return units
}
