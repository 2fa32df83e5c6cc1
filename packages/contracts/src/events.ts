import { err, ok, type Result } from 'neverthrow'
import { type OrderStatus, orderStatuses } from './order-status.ts'

/** Every event type that crosses a Redis stream. */
export const eventTypes = ['order.placed', 'order.moved'] as const
export type EventType = (typeof eventTypes)[number]

/**
 * What every order event carries: the order as its live state was right
 * after the change, numbered by `seq` (1 when placed, +1 on every move). Any
 * one event can write the order's rows, and the order-writer keeps the one
 * of the highest seq, so the order events arrive in (two workers, a replayed
 * batch) does not change what MySQL ends with.
 */
type OrderSnapshot = {
  orderId: string
  seq: number
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

/** Written by reserve-orders.lua when a buyer's units are reserved; seq is 1. */
export type OrderPlaced = { type: 'order.placed' } & OrderSnapshot

/** Written by move-orders.lua each time an order moves to another status in Redis. */
export type OrderMoved = {
  type: 'order.moved'
  from: OrderStatus
  to: OrderStatus
  /** The units went back to stock with this move. */
  restored: boolean
  at: Date
} & OrderSnapshot

export type OrderEvent = OrderPlaced | OrderMoved

type Fields = Record<string, string>

/**
 * Checks a stream entry of the orders stream against its schema.
 *
 * @example
 * parseOrderEvent({ type: 'order.moved', orderId, seq: '2', from: 'pending', to: 'cancelled', restored: '1', at: '1700000000000', userId, ... })
 */
export function parseOrderEvent(fields: Fields): Result<OrderEvent, string> {
  try {
    switch (fields.type) {
      case 'order.placed':
        return ok({ type: 'order.placed', ...snapshot(fields) })
      case 'order.moved':
        return ok({
          type: 'order.moved',
          from: status(fields, 'from'),
          to: status(fields, 'to'),
          restored: fields.restored === '1',
          at: new Date(count(fields, 'at')),
          ...snapshot(fields),
        })
      default:
        return err(`unknown event type ${fields.type}`)
    }
  } catch (error) {
    return err((error as Error).message)
  }
}

function snapshot(fields: Fields): OrderSnapshot {
  const seq = count(fields, 'seq')
  const quantity = count(fields, 'quantity')
  const unitPrice = count(fields, 'unitPrice')
  const total = count(fields, 'total')
  if (seq < 1) throw new Error('seq must be positive')
  if (quantity < 1) throw new Error('quantity must be positive')
  if (total !== unitPrice * quantity) throw new Error('total is not unitPrice * quantity')
  return {
    orderId: id(fields, 'orderId'),
    seq,
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
