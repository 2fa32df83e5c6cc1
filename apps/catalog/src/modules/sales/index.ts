import { isRevoked } from '@flash/redis'
import { bearer, type TokenVerifier } from '@flash/tokens'
import { Elysia } from 'elysia'
import type { CatalogDeps } from '../../deps.ts'
import { refuse } from '../../errors.ts'
import { saleEventStream } from './event-stream.ts'
import { SaleModel } from './model.ts'
import { getSale, listSales } from './read.ts'
import type { SaleFeeds } from './sale-feeds.ts'
import { createSale } from './service.ts'

/**
 * `/sales`: anyone may browse and watch a sale live; only admins create sales.
 *
 * @example
 * new Elysia().use(salesController(deps, tokens, new SaleFeeds(deps, defaultFeedOptions)))
 */
export function salesController(deps: CatalogDeps, tokens: TokenVerifier, feeds: SaleFeeds) {
  const refusal = refuse(deps.log)
  return (
    new Elysia({ prefix: '/sales' })
      // Admin routes: a logged-out admin token is refused here too, not only at the gateway.
      .use(bearer(tokens, { isRevoked: (identity) => isRevoked(deps.redis, deps.space, identity) }))
      .post(
        '/',
        async ({ body, status }) =>
          (await createSale(deps, body)).match((sale) => status(201, sale), refusal),
        {
          admin: true,
          body: SaleModel.createBody,
          detail: { summary: 'Create a flash sale from a product’s stock (admin)' },
        },
      )
      .get(
        '/',
        async ({ query }) =>
          (
            await listSales(deps, {
              status: query.status,
              cursor: query.cursor,
              limit: query.limit ?? 20,
            })
          ).match((page) => page, refusal),
        { query: SaleModel.listQuery, detail: { summary: 'Sales, newest first, by window' } },
      )
      .get(
        '/:id',
        async ({ params }) => (await getSale(deps, params.id)).match((sale) => sale, refusal),
        {
          params: SaleModel.params,
          detail: { summary: 'One sale with its live remaining count' },
        },
      )
      .get(
        '/:id/events',
        async ({ params, request }) =>
          (await saleEventStream(feeds, params.id, request.signal)).match(
            (stream) => stream,
            refusal,
          ),
        {
          params: SaleModel.params,
          detail: {
            summary: 'Live remaining count and status of a sale, as server-sent events',
            description:
              'text/event-stream; each `data:` line is `{remaining, status}` JSON, sent at once ' +
              'and on every change; a `:` comment every ~15 s; the stream ends after the event ' +
              'with status `ended`.',
          },
        },
      )
  )
}
