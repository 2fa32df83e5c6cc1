import { service } from '@flash/http'
import { loadScripts } from '@flash/redis'
import type { TokenVerifier } from '@flash/tokens'
import { sql } from 'drizzle-orm'
import { Elysia } from 'elysia'
import type { CheckoutDeps } from './deps.ts'
import { internalController } from './modules/internal/index.ts'
import { ordersController } from './modules/orders/index.ts'
import { soldOutShortcut } from './modules/orders/sold-out-answer.ts'
import { SoldOutFlags } from './modules/orders/sold-out-flags.ts'

export type CheckoutConfig = Omit<CheckoutDeps, 'soldOut'> & {
  tokens: TokenVerifier
  maxBodyBytes: number
  soldOutFlagMs: number
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
  const { tokens, maxBodyBytes, soldOutFlagMs, serviceToken, log: _, ...rest } = config
  const deps: CheckoutDeps = { ...rest, soldOut: new SoldOutFlags(soldOutFlagMs) }
  const answers = (check: Promise<unknown>) =>
    check.then(
      () => true,
      () => false,
    )
  // normalize: false makes an unknown body field an error instead of silently dropping it.
  return new Elysia({ normalize: false })
    .use(
      service({
        name: 'checkout',
        maxBodyBytes,
        noStore: true,
        metricsToken: serviceToken,
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
