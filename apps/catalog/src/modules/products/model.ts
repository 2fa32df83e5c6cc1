import { t } from 'elysia'
import { jsonInteger } from '../../shared/json-integer.ts'
import { limits } from '../../shared/limits.ts'
import { listQueryOf, pageQueryFields } from '../../shared/page.ts'
import { rule } from '../../shared/schema-messages.ts'

/** The fields of a product body; a missing field is only worth mentioning where it is required. */
function productFields(presence: 'required' | 'optional') {
  const is = presence === 'required' ? 'is required,' : 'must be'
  return {
    name: t.String({
      minLength: 1,
      maxLength: limits.maxNameLength,
      ...rule('body.name', `${is} 1 to ${limits.maxNameLength} characters`),
    }),
    description: t.String({
      maxLength: limits.maxDescriptionLength,
      ...rule(
        'body.description',
        `must be text of at most ${limits.maxDescriptionLength} characters`,
      ),
    }),
    price: jsonInteger({
      minimum: 1,
      maximum: limits.maxPrice,
      description: 'minor units (won, cents)',
      ...rule('body.price', `${is} an integer from 1 to ${limits.maxPrice} (minor units)`),
    }),
    stock: jsonInteger({
      minimum: 0,
      maximum: limits.maxUnits,
      description: 'units on hand',
      ...rule('body.stock', `${is} an integer from 0 to ${limits.maxUnits}`),
    }),
  }
}

const required = productFields('required')
const optional = productFields('optional')

export const ProductModel = {
  createBody: t.Object({
    name: required.name,
    /** Optional: a product may be listed before its copy is written. */
    description: t.Optional(required.description),
    price: required.price,
    stock: required.stock,
  }),
  /** Any subset of the fields, but at least one: an empty update is a client mistake. */
  updateBody: t.Object(
    {
      name: t.Optional(optional.name),
      description: t.Optional(optional.description),
      price: t.Optional(optional.price),
      stock: t.Optional(optional.stock),
    },
    { minProperties: 1 },
  ),
  /** Any string: ids are opaque, so one that cannot exist is a 404, not a 400. */
  params: t.Object({ id: t.String({ maxLength: 64 }) }),
  listQuery: listQueryOf(pageQueryFields),
}

export type CreateProductBody = typeof ProductModel.createBody.static
export type UpdateProductBody = typeof ProductModel.updateBody.static

/** A product as clients see it; `stock` is the live count when the product is on sale in Redis. */
export type ProductView = {
  id: string
  name: string
  description: string
  price: number
  stock: number
}
