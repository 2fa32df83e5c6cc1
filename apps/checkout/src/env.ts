import {
  ConfigError,
  databaseVars,
  defaults,
  jwtVars,
  portGroupVars,
  readEnv,
  redisVars,
  refuseDevSecrets,
} from '@flash/config'

const DAY = 24 * 60 * 60
const DEV_SERVICE_TOKEN = defaults.devServiceToken

export type CheckoutEnv = ReturnType<typeof readCheckoutEnv>

/**
 * The only place checkout reads the environment: `Bun.env` when it runs
 * alone, the gateway's environment with checkout's own address when the
 * gateway runs it in its process (IN_PROCESS_APPS).
 *
 * @example
 * const env = readCheckoutEnv(Bun.env)
 */
export function readCheckoutEnv(source: Record<string, string | undefined>) {
  const env = readEnv(source, {
    HOST: { kind: 'string', default: '127.0.0.1' },
    PORT: { kind: 'int', default: defaults.ports.checkout, min: 0 },
    ...redisVars,
    ...databaseVars,
    ...jwtVars,
    ...portGroupVars,
    MAX_BODY_BYTES: { kind: 'int', default: defaults.maxBodyBytes, min: 256 },
    IDEMPOTENCY_TTL_SECONDS: { kind: 'int', default: DAY, min: DAY },
    /** How long an order's live state stays in Redis while it can still change. */
    ORDER_STATE_TTL_SECONDS: { kind: 'int', default: 30 * DAY, min: 2 * DAY },
    /** How long it stays once cancelled, failed or returned (for reads; MySQL has it too). */
    FINISHED_ORDER_TTL_SECONDS: { kind: 'int', default: DAY, min: 60 },
    RETURN_WINDOW_SECONDS: { kind: 'int', default: DAY, min: 1 },
    SOLD_OUT_FLAG_MS: { kind: 'int', default: 500, min: 0 },
    /** 'off' turns every rate limit off (load tests from one address). */
    RATE_LIMITS: { kind: 'string', default: 'on' },
    ORDER_RATE_PER_BUYER: { kind: 'int', default: 10, min: 1 },
    ORDER_RATE_PER_CLIENT: { kind: 'int', default: 100, min: 1 },
    ORDER_RATE_WINDOW_SECONDS: { kind: 'int', default: 10, min: 1 },
    /**
     * What other apps (auth) present to `/internal` routes, and the gateway with
     * every request (then its X-Forwarded-For names the client); auth's env.ts
     * has the same default.
     */
    SERVICE_TOKEN: { kind: 'string', default: DEV_SERVICE_TOKEN },
  })
  if (!['on', 'off'].includes(env.RATE_LIMITS))
    throw new ConfigError(`RATE_LIMITS must be on or off, got "${env.RATE_LIMITS}"`)
  refuseDevSecrets(env, source.NODE_ENV)
  return env
}
