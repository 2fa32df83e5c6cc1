import { defaults, jwtVars, readEnv, refuseDevSecrets } from '@flash/config'
import { defaultFeedOptions } from './modules/sales/sale-feeds.ts'

/** The only place catalog reads the environment (the seed script reads it through here too). */
export const env = readEnv(Bun.env, {
  HOST: { kind: 'string', default: '127.0.0.1' },
  PORT: { kind: 'int', default: defaults.ports.catalog, min: 0 },
  DATABASE_URL: { kind: 'url', default: defaults.databaseUrl },
  REDIS_URL: { kind: 'url', default: defaults.redisUrl },
  REDIS_PREFIX: { kind: 'string', default: 'fs:' },
  REDIS_PARTITIONS: { kind: 'int', default: 1, min: 1 },
  /** `production` refuses the development secrets and a Redis without an append-only file. */
  NODE_ENV: { kind: 'string', default: 'development' },
  /** `yes` lets a production process run on a Redis without an append-only file (README "Durability"). */
  REDIS_ALLOW_NO_AOF: { kind: 'bool', default: false },
  ...jwtVars,
  MAX_BODY_BYTES: { kind: 'int', default: defaults.maxBodyBytes, min: 256 },
  /** What Prometheus presents to `/metrics` as a bearer token; the other apps' env.ts have the same default. */
  SERVICE_TOKEN: { kind: 'string', default: defaults.devServiceToken, secret: true },
  /** How often a watched sale's Redis counter is read for its event stream. */
  SALE_EVENTS_POLL_MS: { kind: 'int', default: defaultFeedOptions.pollMs, min: 20 },
  SALE_EVENTS_HEARTBEAT_MS: { kind: 'int', default: defaultFeedOptions.heartbeatMs, min: 1_000 },
})

refuseDevSecrets(env, Bun.env.NODE_ENV)
