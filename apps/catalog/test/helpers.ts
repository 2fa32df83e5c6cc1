import type { RedisClient } from '@flash/redis'
import { connectRedis, keySpace, markFreshKeySpace, offerKeys } from '@flash/redis'
import { testDatabase, testRedis, testTokens } from '@flash/testing'
import type { Command } from 'ioredis'
import { createCatalogApp } from '../src/app.ts'
import type { CatalogDeps } from '../src/deps.ts'
import type { SaleFeedOptions } from '../src/modules/sales/sale-feed.ts'

export type Caller = 'admin' | 'buyer' | 'anonymous'

/**
 * A catalog app on its own database and key prefix, listening on a free
 * port so tests go through real HTTP. `deps` are the ones the routes use,
 * for calling service functions (the seed) directly. The app has a Redis
 * connection of its own, whose commands are recorded in `commands`
 * (`"get <key>"`), so a test can count what the app asks of Redis apart
 * from what the test itself does through `redis.redis`. With `partitions`
 * the app's key space (`deps.space`) has that many, all stamped current, so
 * a sale can be split into buckets; `redis.space` keeps one.
 */
export async function startCatalog(
  options: { now?: () => Date; saleEvents?: Partial<SaleFeedOptions>; partitions?: number } = {},
) {
  const database = await testDatabase()
  const redis = await testRedis()
  const appRedis = connectRedis(redis.url, { name: 'catalog-under-test' })
  const commands = recordCommands(appRedis)
  const errors: string[] = []
  const log = (line: string) => errors.push(line)
  const space = keySpace(redis.prefix, options.partitions)
  if (space.partitions > 1) await markFreshKeySpace(redis.redis, space)
  const now = options.now ?? (() => new Date())
  const app = createCatalogApp({
    redis: appRedis,
    db: database.db,
    space,
    tokens: testTokens,
    maxBodyBytes: 16 * 1024,
    log,
    now,
    saleEvents: options.saleEvents,
  }).listen({ port: 0, hostname: '127.0.0.1' })
  const deps: CatalogDeps = { db: database.db, redis: appRedis, space, now, log }
  const url = `http://127.0.0.1:${app.server?.port}`
  return {
    url,
    app,
    deps,
    database,
    redis,
    commands,
    errors,
    /** One HTTP call as `caller`; the body is parsed JSON (or null when there is none). */
    async call(method: string, path: string, caller: Caller, body?: unknown) {
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (caller !== 'anonymous') {
        const { token } = await testTokens.signAccess({ id: crypto.randomUUID(), role: caller })
        headers.authorization = `Bearer ${token}`
      }
      const response = await fetch(`${url}${path}`, {
        method,
        headers,
        body:
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      })
      const text = await response.text()
      // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered
      return { status: response.status, body: (text ? JSON.parse(text) : null) as any }
    },
    async [Symbol.asyncDispose]() {
      app.decorator.saleFeeds.close()
      await app.stop(true)
      appRedis.disconnect()
      await redis[Symbol.asyncDispose]()
      await database[Symbol.asyncDispose]()
    },
  }
}

export type Catalog = Awaited<ReturnType<typeof startCatalog>>

/** A valid POST /sales body for `productId`, live now for an hour unless overridden. */
export function saleBody(productId: string, overrides: Record<string, unknown> = {}) {
  return {
    productId,
    price: 49_000,
    quantity: 10,
    perUserLimit: 2,
    startsAt: new Date(Date.now() - 60_000).toISOString(),
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    ...overrides,
  }
}

/** POST /products as an admin; returns the created product. */
export async function adminCreatesProduct(
  catalog: Catalog,
  overrides: Record<string, unknown> = {},
) {
  const body = { name: 'Sneakers', description: 'white', price: 89_000, stock: 100, ...overrides }
  const created = await catalog.call('POST', '/products', 'admin', body)
  if (created.status !== 201)
    throw new Error(`creating a product failed: ${JSON.stringify(created)}`)
  return created.body as { id: string; name: string; price: number; stock: number }
}

/** POST /sales as an admin, for a fresh product with plenty of stock; returns the created sale. */
export async function adminCreatesSale(catalog: Catalog, overrides: Record<string, unknown> = {}) {
  const product = await adminCreatesProduct(catalog, { stock: 1_000 })
  const created = await catalog.call('POST', '/sales', 'admin', saleBody(product.id, overrides))
  if (created.status !== 201) throw new Error(`creating a sale failed: ${JSON.stringify(created)}`)
  return created.body as { id: string; productId: string }
}

/** The key of an unsplit sale's live counter (of bucket 0 alone for a sale split into buckets). */
export function saleStock(catalog: Catalog, id: string): string {
  return offerKeys(catalog.redis.space, { kind: 'sale', id }).stock
}

/** Every command sent on `redis` from now on, as `"<name> <first argument>"`. */
export function recordCommands(redis: RedisClient): string[] {
  const commands: string[] = []
  type Send = (command: Command, ...rest: unknown[]) => unknown
  const send = redis.sendCommand.bind(redis) as Send
  const recording: Send = (command, ...rest) => {
    commands.push(`${command.name} ${String(command.args[0] ?? '')}`)
    return send(command, ...rest)
  }
  redis.sendCommand = recording as typeof redis.sendCommand
  return commands
}
