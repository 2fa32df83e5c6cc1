import { jsonEntry } from '@flash/streams'
import { err, ok, type Result } from 'neverthrow'

/**
 * The events the worker passes itself along the pipeline, one stream each:
 * payment.requested (order-writer -> payment), rollback.requested (payment
 * timeout -> rollback; a decline is failed by the payment consumer itself),
 * refund.requested (an order that ended without keeping its units, or a
 * charge that landed after its order ended -> refund), shipping.requested and
 * email.requested (reactions to status changes -> shipping, email).
 */
export type PaymentRequested = {
  type: 'payment.requested'
  orderId: string
  userId: string
  amount: number
}
export type RollbackRequested = {
  type: 'rollback.requested'
  orderId: string
  reason: 'payment_timeout'
}
/** Give back whatever the order was charged, if it was, once it no longer keeps its units. */
export type RefundRequested = { type: 'refund.requested'; orderId: string }
export type ShippingRequested = { type: 'shipping.requested'; orderId: string }
export type EmailKind =
  | 'order_paid'
  | 'order_failed'
  | 'order_cancelled'
  | 'order_shipping'
  | 'order_delivered'
  | 'order_returned'
  | 'order_refunded'
  | 'verification_code'
export type EmailRequested = {
  type: 'email.requested'
  kind: EmailKind
  /** One e-mail per key, however often the event is delivered: `${kind}:${orderId}` for orders. */
  key: string
  /** Whom to write to: an address, a user, or the buyer of `orderId`. */
  userId?: string
  to?: string
  orderId?: string
  /** Extra template values (the verification code), JSON. */
  data?: string
}

export type WorkEvent =
  | PaymentRequested
  | RollbackRequested
  | RefundRequested
  | ShippingRequested
  | EmailRequested

type Fields = Record<string, string>
const emailKinds: EmailKind[] = [
  'order_paid',
  'order_failed',
  'order_cancelled',
  'order_shipping',
  'order_delivered',
  'order_returned',
  'order_refunded',
  'verification_code',
]

/**
 * An event as the fields of its stream entry: one JSON field of string
 * values (`jsonEntry`), read back by `toEntries`.
 *
 * @example
 * redis.xadd(stream, '*', ...toFields({ type: 'shipping.requested', orderId }))
 */
export function toFields(event: WorkEvent): string[] {
  const fields: Record<string, string> = {}
  for (const [name, value] of Object.entries(event))
    if (value !== undefined) fields[name] = String(value)
  return jsonEntry(fields)
}

/**
 * Checks a stream entry against the schema of the event type it names.
 *
 * @example
 * parseWorkEvent({ type: 'shipping.requested', orderId }) // ok({ type, orderId })
 */
export function parseWorkEvent(fields: Fields): Result<WorkEvent, string> {
  const orderId = fields.orderId
  const okId = (value: string | undefined) => !!value && value.length <= 64
  switch (fields.type) {
    case 'payment.requested': {
      const amount = Number(fields.amount)
      if (!okId(orderId) || !okId(fields.userId) || !Number.isSafeInteger(amount) || amount < 0)
        return err('payment.requested needs orderId, userId and a whole amount')
      return ok({
        type: 'payment.requested',
        orderId: orderId as string,
        userId: fields.userId as string,
        amount,
      })
    }
    case 'rollback.requested':
      if (!okId(orderId) || fields.reason !== 'payment_timeout')
        return err('rollback.requested needs orderId and a known reason')
      return ok({ type: 'rollback.requested', orderId: orderId as string, reason: fields.reason })
    case 'refund.requested':
      if (!okId(orderId)) return err('refund.requested needs orderId')
      return ok({ type: 'refund.requested', orderId: orderId as string })
    case 'shipping.requested':
      if (!okId(orderId)) return err('shipping.requested needs orderId')
      return ok({ type: 'shipping.requested', orderId: orderId as string })
    case 'email.requested': {
      const kind = fields.kind as EmailKind
      if (
        !emailKinds.includes(kind) ||
        !fields.key ||
        !(fields.userId || fields.to || fields.orderId)
      )
        return err(
          'email.requested needs a known kind, a key, and a userId, an address or an order',
        )
      return ok({
        type: 'email.requested',
        kind,
        key: fields.key,
        userId: fields.userId,
        to: fields.to,
        orderId: fields.orderId,
        data: fields.data,
      })
    }
    default:
      return err(`unknown event type ${fields.type}`)
  }
}

/**
 * @example
 * onlyOf('shipping.requested')(fields) // err unless it is a shipping.requested
 */
export function onlyOf<T extends WorkEvent['type']>(type: T) {
  return (fields: Fields): Result<Extract<WorkEvent, { type: T }>, string> =>
    parseWorkEvent(fields).andThen((event) =>
      event.type === type
        ? ok(event as Extract<WorkEvent, { type: T }>)
        : err(`expected ${type}, got ${event.type}`),
    )
}
