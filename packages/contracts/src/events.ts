import { err, ok, type Result } from 'neverthrow'

/** Every event type that crosses a Redis stream. */
export const eventTypes = ['order.placed'] as const
export type EventType = (typeof eventTypes)[number]

/** Written by reserve-6.lua when a buyer's units are reserved. */
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

type Fields = Record<string, string>

/**
 * Checks a stream entry's fields against the `order.placed` schema.
 *
 * @example
 * parseOrderPlaced({ type: 'order.placed', orderId: '...', ... }).isOk()
 */
export function parseOrderPlaced(fields: Fields): Result<OrderPlaced, string> {
  if (fields.type !== 'order.placed') return err(`expected type order.placed, got ${fields.type}`)
  const orderId = text(fields, 'orderId')
  const userId = text(fields, 'userId')
  const productId = text(fields, 'productId')
  const idempotencyKey = text(fields, 'idempotencyKey')
  const quantity = positiveInt(fields, 'quantity')
  const unitPrice = nonNegativeInt(fields, 'unitPrice')
  const total = nonNegativeInt(fields, 'total')
  const placedAt = nonNegativeInt(fields, 'placedAt')
  for (const [name, value] of Object.entries({
    orderId,
    userId,
    productId,
    idempotencyKey,
    quantity,
    unitPrice,
    total,
    placedAt,
  })) {
    if (value === null) return err(`field ${name} is missing or malformed`)
  }
  if (total !== (unitPrice as number) * (quantity as number))
    return err('total is not unitPrice * quantity')
  return ok({
    type: 'order.placed',
    orderId: orderId as string,
    userId: userId as string,
    saleId: fields.saleId ? fields.saleId : null,
    productId: productId as string,
    quantity: quantity as number,
    unitPrice: unitPrice as number,
    total: total as number,
    idempotencyKey: idempotencyKey as string,
    placedAt: new Date(placedAt as number),
  })
}

function text(fields: Fields, name: string): string | null {
  const value = fields[name]
  return value && value.length <= 64 ? value : null
}

function nonNegativeInt(fields: Fields, name: string): number | null {
  const value = Number(fields[name])
  return fields[name] !== undefined && Number.isSafeInteger(value) && value >= 0 ? value : null
}

function positiveInt(fields: Fields, name: string): number | null {
  const value = nonNegativeInt(fields, name)
  return value !== null && value > 0 ? value : null
}
