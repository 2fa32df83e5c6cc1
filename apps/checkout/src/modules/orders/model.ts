import { MAX_ORDER_QUANTITY, type OrderStatus } from '@flash/contracts'
import { idString } from '@flash/http'
import { t } from 'elysia'

// t.Number with multipleOf, not t.Integer: Elysia's t.Integer also accepts numeric strings.
const quantity = t.Number({
  multipleOf: 1,
  minimum: 1,
  maximum: MAX_ORDER_QUANTITY,
  description: 'units to buy',
})
const id = idString({ description: 'an id from the catalog' })

export const OrderModel = {
  /** One of saleId or productId; the handler checks that exactly one is there. */
  placeBody: t.Object(
    { saleId: t.Optional(id), productId: t.Optional(id), quantity },
    { additionalProperties: false, description: '{saleId, quantity} or {productId, quantity}' },
  ),
  placeHeaders: t.Object({
    'idempotency-key': t.Optional(
      t.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7E]+$' }),
    ),
  }),
  orderParams: t.Object({ id: idString() }),
  listQuery: t.Object({
    cursor: t.Optional(idString()),
    limit: t.Optional(t.Integer({ minimum: 1, maximum: 100, default: 20 })),
  }),
  placed: t.Object({ orderId: t.String(), status: t.Literal('pending') }),
}

export type PlaceBody = typeof OrderModel.placeBody.static

/** Where the order's money is; see payment-view.ts for what each value means. */
export type PaymentView = {
  status: 'pending' | 'charged' | 'declined' | 'refund_pending' | 'refunded' | 'none'
}

export type OrderView = {
  id: string
  status: OrderStatus
  items: { productId: string; saleId: string | null; quantity: number; unitPrice: number }[]
  total: number
  payment: PaymentView
  createdAt: string
  updatedAt: string
}
