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
