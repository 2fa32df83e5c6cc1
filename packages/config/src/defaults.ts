/**
 * The values every app falls back to when a variable is unset, in one place
 * so that `bun run start`, the tests and the README agree.
 *
 * @example
 * const url = Bun.env.REDIS_URL ?? defaults.redisUrl
 */
export const defaults = {
  redisUrl: 'redis://127.0.0.1:6379',
  databaseUrl: 'mysql://root@127.0.0.1:3306/flashsale',
  /** The worker's port serves only `/health`, `/ready` and `/metrics`, and only when METRICS_PORT says so. */
  ports: { gateway: 3000, auth: 3001, catalog: 3002, checkout: 3003, sandbox: 3010, worker: 3020 },
  /** Development-only signing secret; `env.ts` refuses it when NODE_ENV=production. */
  devJwtSecret: 'dev-only-secret-change-me-0123456789abcdef',
  /** Development-only credential apps present to each other's internal routes; refused in production. */
  devServiceToken: 'dev-only-service-token-change-me-0123456789',
  jwtIssuer: 'flash-sale',
  jwtAudience: 'flash-sale-api',
  accessTokenTtlSeconds: 15 * 60,
  maxBodyBytes: 16 * 1024,
} as const
