import { keySpace } from '@flash/redis'
import { testDatabase, testRedis, testTokens } from '@flash/testing'
import { createCatalogApp } from '../src/app.ts'
import type { CatalogDeps } from '../src/shared/deps.ts'

export type Caller = 'admin' | 'buyer' | 'anonymous'

/**
 * A catalog app on its own database and key prefix, listening on a free
 * port so tests go through real HTTP. `deps` are the ones the routes use,
 * for calling service functions (the seed) directly.
 */
export async function startCatalog() {
  const database = await testDatabase()
  const redis = await testRedis()
  const errors: string[] = []
  const log = (line: string) => errors.push(line)
  const space = keySpace(redis.prefix)
  const app = createCatalogApp({
    redis: redis.redis,
    db: database.db,
    space,
    tokens: testTokens,
    maxBodyBytes: 16 * 1024,
    log,
  }).listen({ port: 0, hostname: '127.0.0.1' })
  const deps: CatalogDeps = {
    db: database.db,
    redis: redis.redis,
    space,
    now: () => new Date(),
    log,
  }
  const url = `http://127.0.0.1:${app.server?.port}`
  return {
    url,
    deps,
    database,
    redis,
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
      await app.stop(true)
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
