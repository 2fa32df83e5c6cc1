import { ConfigError, defaults, readEnv } from '@flash/config'

type Source = Record<string, string | undefined>

/**
 * The server's settings; `index.ts` reads them once at start-up. Refuses the
 * development signing secret in production: auth is the app that signs.
 *
 * @example
 * const env = readServerEnv() // { HOST: '127.0.0.1', PORT: 3001, ... }
 */
export function readServerEnv(source: Source = Bun.env) {
  const env = readEnv(source, {
    HOST: { kind: 'string', default: '127.0.0.1' },
    PORT: { kind: 'int', default: defaults.ports.auth, min: 0 },
    DATABASE_URL: { kind: 'url', default: defaults.databaseUrl },
    // Not used by login yet; logout's token blacklist (a later issue) lives there.
    REDIS_URL: { kind: 'url', default: defaults.redisUrl },
    JWT_SECRET: { kind: 'string', default: defaults.devJwtSecret, secret: true },
    JWT_ISSUER: { kind: 'string', default: defaults.jwtIssuer },
    JWT_AUDIENCE: { kind: 'string', default: defaults.jwtAudience },
    ACCESS_TOKEN_TTL_SECONDS: { kind: 'int', default: defaults.accessTokenTtlSeconds, min: 60 },
    MAX_BODY_BYTES: { kind: 'int', default: defaults.maxBodyBytes, min: 256 },
  })
  if (source.NODE_ENV === 'production' && env.JWT_SECRET === defaults.devJwtSecret)
    throw new ConfigError('JWT_SECRET must be set to a secret of your own in production')
  return env
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
  return { env, defaulted }
}
