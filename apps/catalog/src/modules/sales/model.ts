import { t } from 'elysia'
import { limits } from '../../shared/limits.ts'
import { type SaleStatus, windowFilters } from './status.ts'

const units = (description: string) =>
  t.Integer({ minimum: 1, maximum: limits.maxUnits, description })

export const SaleModel = {
  /** Rules that need more than one field, the clock or the database are checked by the service. */
  createBody: t.Object(
    {
      productId: t.String({ format: 'uuid' }),
      price: t.Integer({ minimum: 1, maximum: limits.maxPrice, description: 'minor units' }),
      quantity: units('units on offer; taken from the product stock'),
      perUserLimit: units('most units one buyer may hold'),
      startsAt: t.String({ format: 'date-time', description: 'ISO 8601 with a time zone' }),
      endsAt: t.String({
        format: 'date-time',
        description: 'ISO 8601, after startsAt, in the future',
      }),
    },
    { additionalProperties: false },
  ),
  /** Any string: ids are opaque, so one that cannot exist is a 404, not a 400. */
  params: t.Object({ id: t.String({ maxLength: 64 }) }),
  listQuery: t.Object({
    status: t.Optional(t.UnionEnum(windowFilters)),
    cursor: t.Optional(
      t.String({ format: 'uuid', description: 'nextCursor of the previous page' }),
    ),
    limit: t.Optional(
      t.Integer({ minimum: 1, maximum: limits.pageSize.max, default: limits.pageSize.default }),
    ),
  }),
}

export type CreateSaleBody = typeof SaleModel.createBody.static

/** A sale as clients see it; `remaining` is the live count when the sale is in Redis. */
export type SaleView = {
  id: string
  productId: string
  name: string
  price: number
  quantity: number
  remaining: number
  perUserLimit: number
  startsAt: string
  endsAt: string
  status: SaleStatus
}
