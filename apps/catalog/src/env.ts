import { ConfigError, defaults, readEnv } from '@flash/config'
import { defaultFeedOptions } from './modules/sales/sale-feeds.ts'

/** The only place catalog reads the environment (the seed script reads it through here too). */
export const env = readEnv(Bun.env, {
  HOST: { kind: 'string', default: '127.0.0.1' },
  PORT: { kind: 'int', default: defaults.ports.catalog, min: 0 },
  DATABASE_URL: { kind: 'url', default: defaults.databaseUrl },
  REDIS_URL: { kind: 'url', default: defaults.redisUrl },
  REDIS_PREFIX: { kind: 'string', default: 'fs:' },
  REDIS_PARTITIONS: { kind: 'int', default: 1, min: 1 },
  JWT_SECRET: { kind: 'string', default: defaults.devJwtSecret, secret: true },
  JWT_ISSUER: { kind: 'string', default: defaults.jwtIssuer },
  JWT_AUDIENCE: { kind: 'string', default: defaults.jwtAudience },
  MAX_BODY_BYTES: { kind: 'int', default: defaults.maxBodyBytes, min: 256 },
  /** How often a watched sale's Redis counter is read for its event stream. */
  SALE_EVENTS_POLL_MS: { kind: 'int', default: defaultFeedOptions.pollMs, min: 20 },
  SALE_EVENTS_HEARTBEAT_MS: { kind: 'int', default: defaultFeedOptions.heartbeatMs, min: 1_000 },
})

// Anyone can read the development secret in the repository, and mint admin tokens with it.
if (Bun.env.NODE_ENV === 'production' && env.JWT_SECRET === defaults.devJwtSecret)
  throw new ConfigError('JWT_SECRET must be set in production (the development default is public)')
