import { defaults } from '@flash/config'
import { freePort } from '@flash/devstack'
import {
  createBuyers,
  spawnApp,
  testDatabase,
  testRedis,
  testTokens,
  waitFor,
} from '@flash/testing'

/** Who a request says it is: nobody, a buyer, an admin, or another service (the gateway). */
export type Credential = 'none' | 'buyer' | 'admin' | 'service'

export const credentials: readonly Credential[] = ['none', 'buyer', 'admin', 'service']

export type WholeStack = {
  /** Each app's and the gateway's URL, by name. */
  urls: Record<'auth' | 'catalog' | 'checkout' | 'gateway', string>
  /** Each process's pid, for its CPU time. */
  pids: Record<'auth' | 'catalog' | 'checkout' | 'gateway', number>
  /** The headers that present `credential`, freshly signed, for a request to `path`. */
  headersFor: (credential: Credential, path: string) => Promise<Record<string, string>>
  [Symbol.asyncDispose]: () => Promise<void>
}

/**
 * Auth, catalog, checkout and the gateway in front of them, as separate
 * processes on a database and a Redis prefix of their own, with a real
 * buyer to present. Rate limits are off: every request comes from one
 * address, and a 429 would stop bodies from reaching the code under test.
 *
 * @example
 * await using stack = await startWholeStack()
 * await fetch(`${stack.urls.gateway}/sales`)
 */
export async function startWholeStack(): Promise<WholeStack> {
  const cleanup = new AsyncDisposableStack()
  try {
    const database = cleanup.use(await testDatabase())
    const r = cleanup.use(await testRedis())
    const shared = {
      DATABASE_URL: database.url,
      REDIS_URL: r.url,
      REDIS_PREFIX: r.prefix,
      RATE_LIMITS: 'off',
    }
    const [auth, catalog, checkout, gateway] = await Promise.all([1, 2, 3, 4].map(() => freePort()))
    const url = (port: number | undefined) => `http://127.0.0.1:${port}`
    const urls = {
      auth: url(auth),
      catalog: url(catalog),
      checkout: url(checkout),
      gateway: url(gateway),
    }
    const apps = {
      auth: cleanup.use(spawnApp('auth', { ...shared, PORT: String(auth) })),
      catalog: cleanup.use(spawnApp('catalog', { ...shared, PORT: String(catalog) })),
      checkout: cleanup.use(spawnApp('checkout', { ...shared, PORT: String(checkout) })),
      gateway: cleanup.use(
        spawnApp('gateway', {
          ...shared,
          PORT: String(gateway),
          AUTH_URL: urls.auth,
          CATALOG_URL: urls.catalog,
          CHECKOUT_URL: urls.checkout,
        }),
      ),
    }
    await waitFor(
      async () => (await fetch(`${urls.gateway}/ready`).catch(() => null))?.status === 200,
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
        checkout: apps.checkout.pid,
        gateway: apps.gateway.pid,
      },
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
