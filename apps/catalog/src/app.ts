import type { Db } from '@flash/db/client'
import { service } from '@flash/http'
import type { KeySpace, RedisClient } from '@flash/redis'
import type { TokenVerifier } from '@flash/tokens'
import { sql } from 'drizzle-orm'
import { Elysia } from 'elysia'
import type { CatalogDeps } from './deps.ts'
import { productsController } from './modules/products/index.ts'
import { salesController } from './modules/sales/index.ts'
import type { SaleFeedOptions } from './modules/sales/sale-feed.ts'
import { defaultFeedOptions, SaleFeeds } from './modules/sales/sale-feeds.ts'
import { schemaMessages } from './shared/schema-messages.ts'

export type CatalogConfig = {
  redis: RedisClient
  db: Db
  space: KeySpace
  tokens: TokenVerifier
  maxBodyBytes: number
  /** What `GET /metrics` requires as a bearer token (Prometheus's); unset leaves it open. */
  serviceToken?: string
  log?: (line: string) => void
  /** The clock sale windows are judged by; tests pass their own. */
  now?: () => Date
  /** Timing of `GET /sales/:id/events` (poll every 250 ms, heartbeat every 15 s by default). */
  saleEvents?: Partial<SaleFeedOptions>
}

/**
 * The catalog app, without listening: tests serve it on port 0, `index.ts` on its port.
 * `app.decorator.saleFeeds` is the hub of the sale event streams: whoever
 * stops the app closes it first (open streams would hold `stop()` forever).
 *
 * @example
 * const app = createCatalogApp({ redis, db, space, tokens, maxBodyBytes: 16384 })
 * await app.handle(new Request('http://local/health'))
 */
export function createCatalogApp(config: CatalogConfig) {
  const log = config.log ?? ((line: string) => console.error(line))
  const deps: CatalogDeps = {
    db: config.db,
    redis: config.redis,
    space: config.space,
    now: config.now ?? (() => new Date()),
    log,
  }
  const saleFeeds = new SaleFeeds(deps, { ...defaultFeedOptions, ...config.saleEvents })
  // normalize: false makes an unknown body field an error instead of silently dropping it.
  return new Elysia({ normalize: false })
    .decorate('saleFeeds', saleFeeds)
    .use(schemaMessages())
    .use(
      service({
        name: 'catalog',
        maxBodyBytes: config.maxBodyBytes,
        metricsToken: config.serviceToken,
        log,
        ready: async () => ({
          redis: await answers(config.redis.ping()),
          mysql: await answers(config.db.execute(sql`select 1`)),
        }),
      }),
    )
    .use(productsController(deps, config.tokens))
    .use(salesController(deps, config.tokens, saleFeeds))
}

export type CatalogApp = ReturnType<typeof createCatalogApp>

function answers(probe: PromiseLike<unknown>): Promise<boolean> {
  return Promise.resolve(probe).then(
    () => true,
    () => false,
  )
}
