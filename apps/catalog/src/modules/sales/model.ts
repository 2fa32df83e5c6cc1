import { idString } from '@flash/http'
import { t } from 'elysia'
import { jsonInteger } from '../../shared/json-integer.ts'
import { limits } from '../../shared/limits.ts'
import { listQueryOf, pageQueryFields } from '../../shared/page.ts'
import { rule } from '../../shared/schema-messages.ts'
import { type SaleStatus, windowFilters } from './status.ts'

const units = (field: string, description: string) =>
  jsonInteger({
    minimum: 1,
    maximum: limits.maxUnits,
    description,
    ...rule(`body.${field}`, `is required, an integer from 1 to ${limits.maxUnits}`),
  })

const instant = (field: string, description: string) =>
  t.String({
    format: 'date-time',
    description,
    ...rule(`body.${field}`, 'is required, an ISO 8601 date-time with a time zone'),
  })

export const SaleModel = {
  /** Rules that need more than one field, the clock or the database are checked by the service. */
  createBody: t.Object({
    productId: idString(rule('body.productId', 'must be a product id')),
    price: jsonInteger({
      minimum: 1,
      maximum: limits.maxPrice,
      description: 'minor units (won, cents)',
      ...rule('body.price', `is required, an integer from 1 to ${limits.maxPrice} (minor units)`),
    }),
    quantity: units('quantity', 'units on offer; taken from the product stock'),
    perUserLimit: units('perUserLimit', 'most units one buyer may hold'),
    startsAt: instant('startsAt', 'when buying opens'),
    endsAt: instant('endsAt', 'when buying closes: after startsAt, in the future'),
    buckets: t.Optional(
      jsonInteger({
        minimum: 1,
        maximum: limits.maxBuckets,
        description:
          'Redis partitions the stock is split over, for a sale bigger than one Redis thread ' +
          '(default 1); at most the partitions the deployment has, and at most the quantity',
        ...rule('body.buckets', `must be an integer from 1 to ${limits.maxBuckets}`),
      }),
    ),
  }),
  /** Any string: ids are opaque, so one that cannot exist is a 404, not a 400. */
  params: t.Object({ id: t.String({ maxLength: 64 }) }),
  listQuery: listQueryOf({
    // A union of literals, not t.UnionEnum: Elysia fills an absent optional UnionEnum with its first value.
    status: t.Optional(
      t.Union(
        windowFilters.map((filter) => t.Literal(filter)),
        rule('query.status', `must be one of ${windowFilters.join(', ')}`),
      ),
    ),
    ...pageQueryFields,
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
  /** Redis partitions its stock is split over; 1 for an unsplit sale. */
  buckets: number
}
