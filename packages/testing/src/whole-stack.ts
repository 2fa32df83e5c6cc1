import { defaults } from '@flash/config'
import type { Db } from '@flash/db/client'
import { freePort } from '@flash/devstack'
import { type KeySpace, keySpace, markFreshKeySpace, type RedisClient } from '@flash/redis'
import { testDatabase } from './database.ts'
import { createBuyers } from './fixtures.ts'
import { testRedis } from './redis.ts'
import { spawnApp } from './spawn-app.ts'
import { testTokens } from './tokens.ts'
import { waitFor } from './wait-for.ts'

/** Who a request says it is: nobody, a buyer, an admin, or another service (the gateway). */
export type Credential = 'none' | 'buyer' | 'admin' | 'service'

export const credentials: readonly Credential[] = ['none', 'buyer', 'admin', 'service']

type HttpApp = 'auth' | 'catalog' | 'checkout' | 'gateway'

export type WholeStackOptions = {
  /**
   * Also the sandbox (payments and mail) and the worker, so orders get
   * paid, refunded and e-mailed, and signups get their code. The sandbox
   * declines no charge: a test that buys expects to see `paid`.
   */
  payments?: boolean
  /** Checkout inside the gateway's process (CHECKOUT_IN_PROCESS, the single-machine deployment). */
  checkoutInProcess?: boolean
  /** REDIS_PARTITIONS for every app (default 1), each stamped current under the stack's prefix. */
  partitions?: number
}

export type WholeStack = {
  /** Each app's and the gateway's URL, by name; `sandbox` with `payments`. */
  urls: Record<HttpApp, string> & { sandbox?: string }
  /** Each HTTP app's pid, for its CPU time (checkout's is the gateway's with checkoutInProcess). */
  pids: Record<HttpApp, number>
  /** The stack's own database and Redis key space, for fixtures (`createSale`) and checks. */
  db: Db
  redis: RedisClient
  space: KeySpace
  /** The headers that present `credential`, freshly signed, for a request to `path`. */
  headersFor: (credential: Credential, path: string) => Promise<Record<string, string>>
  [Symbol.asyncDispose]: () => Promise<void>
}

/**
 * Auth, catalog, checkout and the gateway in front of them (with
 * `payments`, also the sandbox and the worker), as separate processes on a
 * database and a Redis prefix of their own, with a real buyer to present.
 * Rate limits are off: every request comes from one address, and a 429
 * would stop bodies from reaching the code under test.
 *
 * @example
 * await using stack = await startWholeStack({ payments: true })
 * await fetch(`${stack.urls.gateway}/sales`)
 */
export async function startWholeStack(options: WholeStackOptions = {}): Promise<WholeStack> {
  const cleanup = new AsyncDisposableStack()
  try {
    const database = cleanup.use(await testDatabase())
    const r = cleanup.use(await testRedis())
    const space = keySpace(r.prefix, options.partitions ?? 1)
    await markFreshKeySpace(r.redis, space)
    const shared = {
      DATABASE_URL: database.url,
      REDIS_URL: r.url,
      REDIS_PREFIX: r.prefix,
      REDIS_PARTITIONS: String(space.partitions),
      RATE_LIMITS: 'off',
    }
    const [auth, catalog, checkout, gateway, sandbox] = await Promise.all(
      [1, 2, 3, 4, 5].map(() => freePort()),
    )
    const url = (port: number | undefined) => `http://127.0.0.1:${port}`
    const urls = {
      auth: url(auth),
      catalog: url(catalog),
      checkout: url(checkout),
      gateway: url(gateway),
      ...(options.payments ? { sandbox: url(sandbox) } : {}),
    }
    if (urls.sandbox) {
      cleanup.use(spawnApp('sandbox', { PORT: String(sandbox), SANDBOX_DECLINE_RATE: '0' }))
      cleanup.use(
        spawnApp('worker', {
          ...shared,
          WORKER_NAME: 'whole-stack',
          PAYMENT_URL: urls.sandbox,
          RESEND_BASE_URL: urls.sandbox,
        }),
      )
    }
    const apps = {
      auth: cleanup.use(
        spawnApp('auth', { ...shared, PORT: String(auth), CHECKOUT_URL: urls.checkout }),
      ),
      catalog: cleanup.use(spawnApp('catalog', { ...shared, PORT: String(catalog) })),
      checkout: options.checkoutInProcess
        ? undefined
        : cleanup.use(spawnApp('checkout', { ...shared, PORT: String(checkout) })),
      gateway: cleanup.use(
        spawnApp('gateway', {
          ...shared,
          PORT: String(gateway),
          AUTH_URL: urls.auth,
          CATALOG_URL: urls.catalog,
          CHECKOUT_URL: urls.checkout,
          CHECKOUT_IN_PROCESS: options.checkoutInProcess ? 'yes' : 'no',
        }),
      ),
    }
    await waitFor(
      async () => {
        const ready = (base: string | undefined, path: string) =>
          base === undefined ||
          fetch(`${base}${path}`).then(
            (answer) => answer.status === 200,
            () => false,
          )
        return (await ready(urls.gateway, '/ready')) && (await ready(urls.sandbox, '/health'))
      },
      { what: 'the gateway and every app to be ready', timeoutMs: 30_000 },
    )
    // Logging out ends every session of a user: those routes get users of their own.
    const [buyer, leaving] = await createBuyers(database.db, 2)
    const ids = {
      buyer: buyer as string,
      leavingBuyer: leaving as string,
      admin: Bun.randomUUIDv7(),
      leavingAdmin: Bun.randomUUIDv7(),
    }
    const bearer = async (id: string, role: 'buyer' | 'admin') =>
      `Bearer ${(await testTokens.signAccess({ id, role })).token}`
    return {
      urls,
      pids: {
        auth: apps.auth.pid,
        catalog: apps.catalog.pid,
        checkout: (apps.checkout ?? apps.gateway).pid,
        gateway: apps.gateway.pid,
      },
      db: database.db,
      redis: r.redis,
      space,
      async headersFor(credential, path): Promise<Record<string, string>> {
        const leaves = path.startsWith('/auth/logout')
        switch (credential) {
          case 'none':
            return {}
          case 'buyer':
            return { authorization: await bearer(leaves ? ids.leavingBuyer : ids.buyer, 'buyer') }
          case 'admin':
            return { authorization: await bearer(leaves ? ids.leavingAdmin : ids.admin, 'admin') }
          case 'service':
            // What the gateway and Prometheus present (/internal routes, /metrics).
            return {
              authorization: `Bearer ${defaults.devServiceToken}`,
              'x-service-token': defaults.devServiceToken,
            }
        }
      },
      [Symbol.asyncDispose]: () => cleanup.disposeAsync(),
    }
  } catch (error) {
    await cleanup.disposeAsync()
    throw error
  }
}
