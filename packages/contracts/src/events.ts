import { err, ok, type Result } from 'neverthrow'
import { type OrderStatus, orderStatuses } from './order-status.ts'

/** Every event type that crosses a Redis stream. */
export const eventTypes = ['order.placed', 'order.moved'] as const
export type EventType = (typeof eventTypes)[number]

/** Written by reserve-orders.lua when a buyer's units are reserved. */
export type OrderPlaced = {
  type: 'order.placed'
  orderId: string
  userId: string
  /** null for a product bought at list price. */
  saleId: string | null
  productId: string
  quantity: number
  unitPrice: number
  total: number
  idempotencyKey: string
  placedAt: Date
}

/** Written by move-orders.lua each time an order moves to another status in Redis. */
export type OrderMoved = {
  type: 'order.moved'
  orderId: string
  from: OrderStatus
  to: OrderStatus
  /** The units went back to stock with this move. */
  restored: boolean
  at: Date
}

export type OrderEvent = OrderPlaced | OrderMoved

type Fields = Record<string, string>

/**
 * Checks a stream entry of the orders stream against its schema.
 *
 * @example
 * parseOrderEvent({ type: 'order.moved', orderId, from: 'pending', to: 'cancelled', restored: '1', at: '1700000000000' })
 */
export function parseOrderEvent(fields: Fields): Result<OrderEvent, string> {
  try {
    switch (fields.type) {
      case 'order.placed':
        return ok(orderPlaced(fields))
      case 'order.moved':
        return ok({
          type: 'order.moved',
          orderId: id(fields, 'orderId'),
          from: status(fields, 'from'),
          to: status(fields, 'to'),
          restored: fields.restored === '1',
          at: new Date(count(fields, 'at')),
        })
      default:
        return err(`unknown event type ${fields.type}`)
    }
  } catch (error) {
    return err((error as Error).message)
  }
}

function orderPlaced(fields: Fields): OrderPlaced {
  const quantity = count(fields, 'quantity')
  const unitPrice = count(fields, 'unitPrice')
  const total = count(fields, 'total')
  if (quantity < 1) throw new Error('quantity must be positive')
  if (total !== unitPrice * quantity) throw new Error('total is not unitPrice * quantity')
  return {
    type: 'order.placed',
    orderId: id(fields, 'orderId'),
    userId: id(fields, 'userId'),
    saleId: fields.saleId ? id(fields, 'saleId') : null,
    productId: id(fields, 'productId'),
    quantity,
    unitPrice,
    total,
    idempotencyKey: id(fields, 'idempotencyKey'),
    placedAt: new Date(count(fields, 'placedAt')),
  }
}

function id(fields: Fields, name: string): string {
  const value = fields[name]
  if (!value || value.length > 64) throw new Error(`field ${name} is missing or too long`)
  return value
}

function count(fields: Fields, name: string): number {
  const value = Number(fields[name])
  if (fields[name] === undefined || !Number.isSafeInteger(value) || value < 0)
    throw new Error(`field ${name} is missing or not a non-negative integer`)
  return value
}

function status(fields: Fields, name: string): OrderStatus {
  const value = fields[name] as OrderStatus
  if (!orderStatuses.includes(value)) throw new Error(`field ${name} is not an order status`)
  return value
}
