import { t } from 'elysia'

const idempotencyKey = t.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' })

export const PaymentModel = {
  chargeBody: t.Object(
    {
      orderId: t.String({ minLength: 1, maxLength: 128 }),
      // t.Number with multipleOf, not t.Integer: Elysia's t.Integer also accepts numeric strings.
      amount: t.Number({ multipleOf: 1, minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
      currency: t.Optional(t.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217, e.g. KRW' })),
    },
    { additionalProperties: false, description: 'amount in minor units (won, cents)' },
  ),
  // Optional here so a missing key gets its own code instead of a generic validation error.
  chargeHeaders: t.Object({ 'idempotency-key': t.Optional(idempotencyKey) }),
  paymentParams: t.Object({ id: t.String({ minLength: 1, maxLength: 128 }) }),
  listQuery: t.Object({ orderId: t.Optional(t.String({ minLength: 1, maxLength: 128 })) }),
}

export type ChargeBody = typeof PaymentModel.chargeBody.static

/** The answer to `POST /payments`, repeated verbatim for a repeated key. */
export type Charge = {
  id: string
  orderId: string
  amount: number
  currency: string
  status: 'succeeded' | 'declined'
  createdAt: string
}

/** A charge as the sandbox keeps it, for `GET /payments`: `processing` until it is decided. */
export type RecordedCharge = Omit<Charge, 'status'> & {
  status: Charge['status'] | 'processing'
  idempotencyKey: string
  refundedAt: string | null
}

export type Refund = { id: string; status: 'refunded'; refundedAt: string }

export type PaymentStats = {
  /** Every recorded payment, declined ones included; succeeded = charges - declines. */
  charges: number
  declines: number
  refunds: number
  distinctOrders: number
  /** Charge requests accepted, decided or still in flight. */
  received: number
}
