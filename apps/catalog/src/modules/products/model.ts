import { t } from 'elysia'
import { limits } from '../../shared/limits.ts'

export const ProductModel = {
  createBody: t.Object(
    {
      name: t.String({ minLength: 1, maxLength: limits.maxNameLength }),
      /** Optional: a product may be listed before its copy is written. */
      description: t.Optional(t.String({ maxLength: limits.maxDescriptionLength })),
      price: t.Integer({ minimum: 1, maximum: limits.maxPrice, description: 'minor units' }),
      stock: t.Integer({ minimum: 0, maximum: limits.maxUnits, description: 'units on hand' }),
    },
    { additionalProperties: false },
  ),
  /** Any string: ids are opaque, so one that cannot exist is a 404, not a 400. */
  params: t.Object({ id: t.String({ maxLength: 64 }) }),
  listQuery: t.Object({
    cursor: t.Optional(
      t.String({ format: 'uuid', description: 'nextCursor of the previous page' }),
    ),
    limit: t.Optional(
      t.Integer({ minimum: 1, maximum: limits.pageSize.max, default: limits.pageSize.default }),
    ),
  }),
}

export type CreateProductBody = typeof ProductModel.createBody.static

/** A product as clients see it; `stock` is the live count when the product is on sale in Redis. */
export type ProductView = {
  id: string
  name: string
  description: string
  price: number
  stock: number
}
