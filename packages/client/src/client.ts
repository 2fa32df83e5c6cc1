import { settle } from './answers.ts'
import { type Api, createApi } from './api.ts'
import { type Catalog, catalogOf } from './catalog.ts'
import { type ServerClock, serverClock } from './clock.ts'
import { type Orders, ordersOf } from './orders.ts'
import { type SaleWatcher, type WatchOptions, watchSale } from './sale-events.ts'
import { type Session, sessionOf } from './session.ts'
import { type FetchLike, sessionFetch } from './session-fetch.ts'
import { memorySessionStore, type SessionStore } from './session-store.ts'
import { Tokens } from './tokens.ts'

export type ClientOptions = {
  /** The `fetch` every call goes through; the global one by default. */
  fetch?: FetchLike
  /** Where the session is kept; in memory by default (a browser passes `webStorageSessionStore(localStorage)`). */
  session?: SessionStore
  /** How long a call waits for its answer before failing with `network_error`; 15 s by default. */
  timeoutMs?: number
}

export type FlashClient = {
  /** Typed Eden clients for every public route, with the session's token on the routes that need one. */
  api: Api
  session: Session
  orders: Orders
  catalog: Catalog
  /** Follows a sale's live `{remaining, status}` until the returned function is called. */
  watchSale(saleId: string, watcher: SaleWatcher, options?: WatchOptions): () => void
  clock: ServerClock
}

/**
 * The client every frontend uses, for the gateway at `baseUrl` (in a
 * browser served by the gateway, `location.origin`). Calls that can fail
 * resolve to a neverthrow `Result` and never throw.
 *
 * @example
 * const client = createClient('http://127.0.0.1:3000')
 * await client.session.login({ email, password })
 * const purchase = client.orders.purchase({ saleId, quantity: 1 })
 * const placed = await purchase.place() // Ok({ orderId, status: 'pending' }) or Err(ApiError)
 */
export function createClient(baseUrl: string, options: ClientOptions = {}): FlashClient {
  const base = baseUrl.replace(/\/+$/, '')
  // Read at each call, not captured: a test or page may replace the global fetch later.
  const fetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const timeoutMs = options.timeoutMs ?? 15_000
  const tokens = new Tokens(options.session ?? memorySessionStore(), (refreshToken) =>
    settle(api.auth.auth.refresh.post({ refreshToken }), 'json', timeoutMs),
  )
  const api: Api = createApi(
    base,
    sessionFetch({ baseUrl: base, fetch, tokens, timeoutMs }) as typeof globalThis.fetch,
  )
  return {
    api,
    session: sessionOf(api, tokens, timeoutMs),
    orders: ordersOf(api, timeoutMs),
    catalog: catalogOf(api, timeoutMs),
    watchSale: (saleId, watcher, watchOptions) =>
      watchSale({ baseUrl: base, fetch }, saleId, watcher, watchOptions),
    clock: serverClock(api, timeoutMs),
  }
}
