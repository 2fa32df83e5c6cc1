import { t } from 'elysia'
import { limits } from '../../shared/limits.ts'
import { pageQueryFields } from '../../shared/page.ts'
import { rule } from '../../shared/schema-messages.ts'

export const ProductModel = {
  createBody: t.Object({
    name: t.String({
      minLength: 1,
      maxLength: limits.maxNameLength,
      ...rule('body.name', `is required, 1 to ${limits.maxNameLength} characters`),
    }),
    /** Optional: a product may be listed before its copy is written. */
    description: t.Optional(
      t.String({
        maxLength: limits.maxDescriptionLength,
        ...rule(
          'body.description',
          `must be text of at most ${limits.maxDescriptionLength} characters`,
        ),
      }),
    ),
    price: t.Integer({
      minimum: 1,
      maximum: limits.maxPrice,
      description: 'minor units (won, cents)',
      ...rule('body.price', `is required, an integer from 1 to ${limits.maxPrice} (minor units)`),
    }),
    stock: t.Integer({
      minimum: 0,
      maximum: limits.maxUnits,
      description: 'units on hand',
      ...rule('body.stock', `is required, an integer from 0 to ${limits.maxUnits}`),
    }),
  }),
  /** Any string: ids are opaque, so one that cannot exist is a 404, not a 400. */
  params: t.Object({ id: t.String({ maxLength: 64 }) }),
  listQuery: t.Object(pageQueryFields),
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
