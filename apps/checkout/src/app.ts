import { family, service } from '@flash/http'
import { loadScripts } from '@flash/redis'
import type { TokenVerifier } from '@flash/tokens'
import { sql } from 'drizzle-orm'
import { Elysia } from 'elysia'
import type { CheckoutDeps } from './deps.ts'
import { internalController } from './modules/internal/index.ts'
import { ordersController } from './modules/orders/index.ts'
import {
  defaultLostOrdersOptions,
  LostOrders,
  type LostOrdersOptions,
} from './modules/orders/lost-orders.ts'
import { ReserveOutcomes } from './modules/orders/reserve-outcomes.ts'
import { soldOutShortcut } from './modules/orders/sold-out-answer.ts'
import { SoldOutFlags } from './modules/orders/sold-out-flags.ts'

export type CheckoutConfig = Omit<CheckoutDeps, 'soldOut' | 'lostOrders' | 'reserveOutcomes'> & {
  tokens: TokenVerifier
  maxBodyBytes: number
  soldOutFlagMs: number
  /** How lost orders are looked for once Redis lost data (see `LostOrders`); tests shorten it. */
  lostOrders?: Partial<LostOrdersOptions>
  /**
   * The credential other apps present to `/internal` routes, and the gateway
   * with every request it forwards (its X-Forwarded-For is believed only
   * then); unset refuses `/internal` and believes no X-Forwarded-For.
   */
  serviceToken?: string
  log?: (line: string) => void
}

/**
 * The checkout app, without listening: tests drive it with `app.handle` or
 * `listen({ port: 0 })`, `index.ts` serves it.
 *
 * @example
 * const app = createCheckoutApp({ redis, db, space, tokens, ... })
 * await app.handle(new Request('http://localhost/health'))
 */
export function createCheckoutApp(config: CheckoutConfig) {
  const log = config.log ?? ((line: string) => console.error(line))
  const {
    tokens,
    maxBodyBytes,
    soldOutFlagMs,
    serviceToken,
    log: _,
    lostOrders: lostOrderOptions,
    ...settings
  } = config
  const lostOrders = new LostOrders(
    { redis: config.redis, db: config.db, space: config.space, log },
    { ...defaultLostOrdersOptions, ...lostOrderOptions },
  )
  const deps: CheckoutDeps = {
    ...settings,
    soldOut: new SoldOutFlags(soldOutFlagMs),
    lostOrders,
    reserveOutcomes: new ReserveOutcomes(),
  }
  const answers = (check: Promise<unknown>) =>
    check.then(
      () => true,
      () => false,
    )
  // normalize: false makes an unknown body field an error instead of silently dropping it.
  // Lost orders are watched for while the app listens (tests that only call `handle` never poll).
  return new Elysia({ normalize: false })
    .decorate('lostOrders', lostOrders)
    .onStart(() => lostOrders.watch())
    .onStop(() => lostOrders.stop())
    .use(
      service({
        name: 'checkout',
        maxBodyBytes,
        noStore: true,
        metricsToken: serviceToken,
        metrics: () => [
          deps.reserveOutcomes.family(),
          family(
            'orders_lost_total',
            'counter',
            'Accepted orders MySQL never got: lost with Redis data.',
            [[{}, lostOrders.lostTotal]],
          ),
        ],
        answerEarly: soldOutShortcut(deps, tokens),
        log,
        ready: async () => ({
          redis: await answers(config.redis.ping()),
          scripts: await answers(loadScripts(config.redis)),
          mysql: await answers(config.db.execute(sql`select 1`)),
        }),
      }),
    )
    .use(ordersController(deps, tokens, serviceToken, log))
    .use(internalController(deps, serviceToken, log))
}

export type CheckoutApp = ReturnType<typeof createCheckoutApp>
