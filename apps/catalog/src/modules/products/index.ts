import { bearer, type TokenService } from '@flash/tokens'
import { Elysia } from 'elysia'
import { refuse } from '../../errors.ts'
import type { CatalogDeps } from '../../shared/deps.ts'
import { ProductModel } from './model.ts'
import { createProduct, getProduct, listProducts } from './service.ts'

/**
 * `/products`: anyone may browse; only admins list new products.
 *
 * @example
 * new Elysia().use(productsController(deps, tokens))
 */
export function productsController(deps: CatalogDeps, tokens: TokenService) {
  const refusal = refuse(deps.log)
  return new Elysia({ prefix: '/products' })
    .use(bearer(tokens))
    .post(
      '/',
      async ({ body, status }) =>
        (await createProduct(deps, body)).match((product) => status(201, product), refusal),
      {
        admin: true,
        body: ProductModel.createBody,
        detail: { summary: 'List a product and put it on sale at its list price (admin)' },
      },
    )
    .get(
      '/',
      async ({ query }) =>
        (await listProducts(deps, { cursor: query.cursor, limit: query.limit ?? 20 })).match(
          (page) => page,
          refusal,
        ),
      { query: ProductModel.listQuery, detail: { summary: 'Products, newest first' } },
    )
    .get(
      '/:id',
      async ({ params }) =>
        (await getProduct(deps, params.id)).match((product) => product, refusal),
      { params: ProductModel.params, detail: { summary: 'One product with its live stock' } },
    )
}
