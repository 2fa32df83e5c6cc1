/** Every status an order can have; shared by the database schema, the scripts' events and the API. */
export const orderStatuses = [
  'pending',
  'paid',
  'shipping',
  'delivered',
  'return_requested',
  'returned',
  'cancelled',
  'failed',
] as const

export type OrderStatus = (typeof orderStatuses)[number]

/**
 * The statuses an order ends in after giving its units back to stock. Such
 * an order keeps no charge either; every other status holds its units (and,
 * once paid, its charge).
 */
export const releasedStatuses = [
  'cancelled',
  'failed',
  'returned',
] as const satisfies readonly OrderStatus[]

/**
 * @example
 * releasesUnits('cancelled') // true
 * releasesUnits('shipping') // false
 */
export function releasesUnits(status: OrderStatus): boolean {
  return (releasedStatuses as readonly OrderStatus[]).includes(status)
}
