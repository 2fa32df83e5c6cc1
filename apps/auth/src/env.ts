import {
  ConfigError,
  databaseVars,
  defaults,
  jwtVars,
  readEnv,
  redisVars,
  refuseDevSecrets,
} from '@flash/config'
import { DEV_PII_KEYS, type Keyring, parseKeyring } from './shared/pii/keyring.ts'
import type { AuthRateLimits } from './shared/rate-limit.ts'

type Source = Record<string, string | undefined>

/**
 * The service credential auth presents to checkout's internal routes in
 * development. Checkout's env.ts has the same default; both refuse it in
 * production.
 */
export const DEV_SERVICE_TOKEN = defaults.devServiceToken

const MINUTE = 60
const DAY = 24 * 60 * MINUTE

/**
 * The server's settings; `index.ts` reads them once at start-up. Refuses the
 * development secrets (token signing, PII keys, service credential) in production.
 *
 * @example
 * const env = readServerEnv() // { HOST: '127.0.0.1', PORT: 3001, ..., piiKeyring, rateLimits }
 */
export function readServerEnv(source: Source = Bun.env) {
  const env = readEnv(source, {
    HOST: { kind: 'string', default: '127.0.0.1' },
    PORT: { kind: 'int', default: defaults.ports.auth, min: 0 },
    ...redisVars,
    ...databaseVars,
    ...jwtVars,
    ACCESS_TOKEN_TTL_SECONDS: { kind: 'int', default: defaults.accessTokenTtlSeconds, min: 60 },
    /** A login session ends when its refresh token has not been used for this long. */
    REFRESH_TOKEN_TTL_SECONDS: { kind: 'int', default: 14 * DAY, min: 60 },
    MAX_BODY_BYTES: { kind: 'int', default: defaults.maxBodyBytes, min: 256 },
    /** 'off' turns every rate limit off (load tests from one address). */
    RATE_LIMITS: { kind: 'string', default: 'on' },
    LOGIN_RATE_LIMIT: { kind: 'int', default: 10, min: 1 },
    LOGIN_RATE_WINDOW_SECONDS: { kind: 'int', default: 15 * MINUTE, min: 1 },
    /**
     * Failed logins per e-mail from every address together. Reaching it locks
     * the account's logins (the owner's too) until its window ends: high
     * enough that only a deliberate flood does, low enough to stop guessing
     * spread over many addresses. Open sessions keep refreshing.
     */
    LOGIN_ACCOUNT_RATE_LIMIT: { kind: 'int', default: 50, min: 1 },
    LOGIN_ACCOUNT_RATE_WINDOW_SECONDS: { kind: 'int', default: 15 * MINUTE, min: 1 },
    SIGNUP_RATE_LIMIT: { kind: 'int', default: 10, min: 1 },
    SIGNUP_RATE_WINDOW_SECONDS: { kind: 'int', default: 60 * MINUTE, min: 1 },
    VERIFY_RATE_LIMIT: { kind: 'int', default: 30, min: 1 },
    VERIFY_RATE_WINDOW_SECONDS: { kind: 'int', default: 60 * MINUTE, min: 1 },
    CHECKOUT_URL: { kind: 'url', default: `http://127.0.0.1:${defaults.ports.checkout}` },
    /**
     * Presented to checkout's internal routes, and expected from the gateway
     * on every request it forwards (then its X-Forwarded-For names the client).
     */
    SERVICE_TOKEN: { kind: 'string', default: DEV_SERVICE_TOKEN, secret: true },
    /** How long the breaker in front of checkout stays open before trial calls. */
    BREAKER_OPEN_MS: { kind: 'int', default: 10_000, min: 1 },
    CHECKOUT_TIMEOUT_MS: { kind: 'int', default: 1_000, min: 1 },
  })
  refuseDevSecrets(env, source.NODE_ENV)
  if (!['on', 'off'].includes(env.RATE_LIMITS))
    throw new ConfigError(`RATE_LIMITS must be on or off, got "${env.RATE_LIMITS}"`)
  const rateLimits: AuthRateLimits | null =
    env.RATE_LIMITS === 'off'
      ? null
      : {
          login: { limit: env.LOGIN_RATE_LIMIT, windowSeconds: env.LOGIN_RATE_WINDOW_SECONDS },
          loginAccount: {
            limit: env.LOGIN_ACCOUNT_RATE_LIMIT,
            windowSeconds: env.LOGIN_ACCOUNT_RATE_WINDOW_SECONDS,
          },
          signup: { limit: env.SIGNUP_RATE_LIMIT, windowSeconds: env.SIGNUP_RATE_WINDOW_SECONDS },
          verify: { limit: env.VERIFY_RATE_LIMIT, windowSeconds: env.VERIFY_RATE_WINDOW_SECONDS },
        }
  return { ...env, piiKeyring: readPiiKeys(source), rateLimits }
}

/**
 * `PII_KEYS` as a keyring: `id:base64key,...`, the first one current. The
 * development default is refused in production, like every development secret.
 *
 * @example
 * readPiiKeys({ PII_KEYS: 'k2:...,k1:...' }).current.id // 'k2'
 */
export function readPiiKeys(source: Source = Bun.env): Keyring {
  const spec = source.PII_KEYS || DEV_PII_KEYS
  if (source.NODE_ENV === 'production' && spec === DEV_PII_KEYS)
    throw new ConfigError('PII_KEYS must be set to keys of your own in production')
  const keyring = parseKeyring(spec)
  if (keyring.isErr()) throw new ConfigError(`PII_KEYS is malformed: ${keyring.error}`)
  return keyring.value
}

/** What `bun apps/auth/src/seed.ts` reads; the defaults are for development only. */
const seedDefaults = {
  ADMIN_EMAIL: 'admin@flash.local',
  ADMIN_PASSWORD: 'admin-password-change-me',
  DEMO_BUYERS: 3,
} as const

/**
 * The seed script's settings, and which of them fell back to a default (the
 * script says so, since default credentials must not survive into production).
 *
 * @example
 * const { env, defaulted } = readSeedEnv() // defaulted: ['ADMIN_PASSWORD', ...]
 */
export function readSeedEnv(source: Source = Bun.env) {
  const env = readEnv(source, {
    DATABASE_URL: { kind: 'url', default: defaults.databaseUrl },
    ADMIN_EMAIL: { kind: 'string', default: seedDefaults.ADMIN_EMAIL },
    ADMIN_PASSWORD: { kind: 'string', default: seedDefaults.ADMIN_PASSWORD, secret: true },
    DEMO_BUYERS: { kind: 'int', default: seedDefaults.DEMO_BUYERS, min: 0 },
  })
  const defaulted = (Object.keys(seedDefaults) as (keyof typeof seedDefaults)[]).filter(
    (name) => !source[name],
  )
  if (source.NODE_ENV === 'production') {
    if (env.ADMIN_PASSWORD === seedDefaults.ADMIN_PASSWORD)
      throw new ConfigError('ADMIN_PASSWORD must be set to a password of your own in production')
    if (env.DEMO_BUYERS > 0)
      throw new ConfigError(
        'DEMO_BUYERS must be 0 in production: demo buyers share a public password',
      )
  }
  return { env, defaulted, piiKeyring: readPiiKeys(source) }
}

/**
 * The rotation command's settings.
 *
 * @example
 * const { DATABASE_URL, piiKeyring } = readRotateEnv()
 */
export function readRotateEnv(source: Source = Bun.env) {
  const env = readEnv(source, { DATABASE_URL: { kind: 'url', default: defaults.databaseUrl } })
  return { ...env, piiKeyring: readPiiKeys(source) }
}
