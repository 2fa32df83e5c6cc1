import {
  databaseVars,
  defaults,
  jwtVars,
  readEnv,
  redisVars,
  refuseDevSecrets,
} from '@flash/config'
import { defaultFeedOptions } from './modules/sales/sale-feeds.ts'

/** The only place catalog reads the environment (the seed script reads it through here too). */
export const env = readEnv(Bun.env, {
  HOST: { kind: 'string', default: '127.0.0.1' },
  PORT: { kind: 'int', default: defaults.ports.catalog, min: 0 },
  ...redisVars,
  ...databaseVars,
  ...jwtVars,
  MAX_BODY_BYTES: { kind: 'int', default: defaults.maxBodyBytes, min: 256 },
  /** What Prometheus presents to `/metrics` as a bearer token; the other apps' env.ts have the same default. */
  SERVICE_TOKEN: { kind: 'string', default: defaults.devServiceToken, secret: true },
  /** How often a watched sale's Redis counter is read for its event stream. */
  SALE_EVENTS_POLL_MS: { kind: 'int', default: defaultFeedOptions.pollMs, min: 20 },
  SALE_EVENTS_HEARTBEAT_MS: { kind: 'int', default: defaultFeedOptions.heartbeatMs, min: 1_000 },
})

refuseDevSecrets(env, Bun.env.NODE_ENV)
