import { defaults, readEnv } from '@flash/config'

/** The only place checkout reads the environment. */
export const env = readEnv(Bun.env, {
  HOST: { kind: 'string', default: '127.0.0.1' },
  PORT: { kind: 'int', default: defaults.ports.checkout, min: 0 },
  REDIS_URL: { kind: 'url', default: defaults.redisUrl },
  DATABASE_URL: { kind: 'url', default: defaults.databaseUrl },
  REDIS_PREFIX: { kind: 'string', default: 'fs:' },
  REDIS_PARTITIONS: { kind: 'int', default: 1, min: 1 },
  JWT_SECRET: { kind: 'string', default: defaults.devJwtSecret },
  JWT_ISSUER: { kind: 'string', default: defaults.jwtIssuer },
  JWT_AUDIENCE: { kind: 'string', default: defaults.jwtAudience },
  MAX_BODY_BYTES: { kind: 'int', default: defaults.maxBodyBytes, min: 256 },
  IDEMPOTENCY_TTL_SECONDS: { kind: 'int', default: 24 * 60 * 60, min: 60 },
  PENDING_ORDER_TTL_SECONDS: { kind: 'int', default: 24 * 60 * 60, min: 60 },
  SOLD_OUT_FLAG_MS: { kind: 'int', default: 500, min: 0 },
})
