import { treaty } from '@elysiajs/eden/treaty2'
// Types only: a bundle of the client carries none of the apps' server code.
import type { AuthApp } from '../../../apps/auth/src/app.ts'
import type { CatalogApp } from '../../../apps/catalog/src/app.ts'
import type { CheckoutApp } from '../../../apps/checkout/src/app.ts'
import type { ClockApp } from '../../../apps/gateway/src/modules/clock.ts'

/**
 * Eden treaty clients for every public route, all through the gateway at
 * `baseUrl`: the apps' own paths, typed by the apps' own types. Dates stay
 * the ISO strings the API sends (Eden would turn them into `Date`s, which
 * the route types do not say).
 *
 * @example
 * const api = createApi('http://127.0.0.1:3000', fetch)
 * const { data, error } = await api.catalog.sales({ id }).get()
 */
export function createApi(baseUrl: string, fetcher: typeof fetch) {
  const config = { fetcher, parseDate: false }
  return {
    auth: treaty<AuthApp>(baseUrl, config),
    catalog: treaty<CatalogApp>(baseUrl, config),
    checkout: treaty<CheckoutApp>(baseUrl, config),
    /** The gateway's own routes (`GET /time`). */
    gateway: treaty<ClockApp>(baseUrl, config),
  }
}

export type Api = ReturnType<typeof createApi>
