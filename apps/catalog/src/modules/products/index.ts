import { isRevoked } from '@flash/redis'
import { bearer, type TokenVerifier } from '@flash/tokens'
import { Elysia } from 'elysia'
import type { CatalogDeps } from '../../deps.ts'
import { refuse } from '../../errors.ts'
import { ProductModel } from './model.ts'
import { createProduct, getProduct, listProducts } from './service.ts'
import { updateProduct } from './update.ts'

/**
 * `/products`: anyone may browse; only admins list new products and change them.
 *
 * @example
 * new Elysia().use(productsController(deps, tokens))
 */
export function productsController(deps: CatalogDeps, tokens: TokenVerifier) {
  const refusal = refuse(deps.log)
  return (
    new Elysia({ prefix: '/products' })
      // Admin routes: a logged-out admin token is refused here too, not only at the gateway.
      .use(bearer(tokens, { isRevoked: (identity) => isRevoked(deps.redis, deps.space, identity) }))
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
      .patch(
        '/:id',
        async ({ params, body }) =>
          (await updateProduct(deps, params.id, body)).match((product) => product, refusal),
        {
          admin: true,
          params: ProductModel.params,
          body: ProductModel.updateBody,
          detail: {
            summary: 'Change a product (admin)',
            description:
              'Any of name, description, price, stock. `stock` is the count MySQL keeps; the live ' +
              'counter checkout sells from moves by the difference, so units sold meanwhile stay sold.',
          },
        },
      )
      .get(
        '/:id',
        async ({ params }) =>
          (await getProduct(deps, params.id)).match((product) => product, refusal),
        { params: ProductModel.params, detail: { summary: 'One product with its live stock' } },
      )
  )
}
