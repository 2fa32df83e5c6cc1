import {
  ConfigError,
  databaseVars,
  defaults,
  portGroupVars,
  readEnv,
  redisVars,
  refuseDevSecrets,
} from '@flash/config'

const DAY = 24 * 60 * 60

/** The only place the worker reads the environment. */
export const env = readEnv(Bun.env, {
  ...redisVars,
  ...databaseVars,
  /** Stable per worker process: a restarted worker replays what it read and never acknowledged. */
  WORKER_NAME: { kind: 'string', default: 'worker-1' },
  /**
   * This worker's place among WORKER_COUNT workers (1-based): it consumes the
   * partitions p with p mod WORKER_COUNT = WORKER_INDEX - 1 (all of them with
   * the defaults, 1 of 1). README "Several processes on one machine".
   */
  WORKER_INDEX: { kind: 'int', default: 1, min: 1 },
  WORKER_COUNT: { kind: 'int', default: 1, min: 1 },
  /** Work waiting this long in a partition this worker does not consume makes it consume that one too. */
  WORKER_ADOPT_AFTER_MS: { kind: 'int', default: 30_000, min: 1 },
  /** How often this worker looks at the partitions it does not consume. */
  WORKER_ADOPT_EVERY_MS: { kind: 'int', default: 5_000, min: 10 },
  ORDER_WRITER_BATCH: { kind: 'int', default: 500, min: 1 },
  /**
   * Payments charged side by side per batch. A batch waits on its slowest charge, so small
   * batches leave the worker idle between them.
   */
  PAYMENT_BATCH: { kind: 'int', default: 500, min: 1 },
  /** Charges in flight at once within a payment batch (connections to the provider). */
  PAYMENT_CONCURRENCY: { kind: 'int', default: 64, min: 1 },
  PAYMENT_URL: { kind: 'url', default: `http://127.0.0.1:${defaults.ports.sandbox}` },
  PAYMENT_TIMEOUT_MS: { kind: 'int', default: 2_000, min: 1 },
  /** How long the payment provider's breaker stays open before trying again. */
  BREAKER_OPEN_MS: { kind: 'int', default: 10_000, min: 1 },
  RESEND_BASE_URL: { kind: 'url', default: `http://127.0.0.1:${defaults.ports.sandbox}` },
  RESEND_API_KEY: { kind: 'string', default: 're_development_sandbox' },
  EMAIL_FROM: { kind: 'string', default: 'Flash Sale <orders@flash.local>' },
  ORDER_STATE_TTL_SECONDS: { kind: 'int', default: 30 * DAY, min: 2 * DAY },
  FINISHED_ORDER_TTL_SECONDS: { kind: 'int', default: DAY, min: 60 },
  /** As checkout's: recovery rebuilds the idempotency records of orders placed this recently. */
  IDEMPOTENCY_TTL_SECONDS: { kind: 'int', default: DAY, min: DAY },
  /** As checkout's: recovery gives delivered orders inside it their live state back (returns). */
  RETURN_WINDOW_SECONDS: { kind: 'int', default: DAY, min: 1 },
  /** As auth's: recovery puts back the logouts of this long ago, which an access token could outlive. */
  ACCESS_TOKEN_TTL_SECONDS: { kind: 'int', default: defaults.accessTokenTtlSeconds, min: 60 },
  /** How often every partition's generation is checked, and recovered from MySQL when not current. */
  RECOVERY_EVERY_MS: { kind: 'int', default: 1_000, min: 50 },
  /** An order still pending this long is rolled back: its payment never came. */
  UNPAID_ORDER_TIMEOUT_SECONDS: { kind: 'int', default: 15 * 60, min: 1 },
  SHIP_AFTER_SECONDS: { kind: 'int', default: DAY, min: 1 },
  DELIVER_AFTER_SECONDS: { kind: 'int', default: DAY, min: 1 },
  RETURN_AFTER_SECONDS: { kind: 'int', default: DAY, min: 1 },
  SCHEDULE_STATUSES: { kind: 'string', default: '*/30 * * * * *' },
  SCHEDULE_PAYMENT_TIMEOUT: { kind: 'string', default: '*/30 * * * * *' },
  SCHEDULE_RECONCILE: { kind: 'string', default: '0 * * * * *' },
  SCHEDULE_STOCK_SYNC: { kind: 'string', default: '*/10 * * * * *' },
  SCHEDULE_TRIM: { kind: 'string', default: '30 * * * * *' },
  /**
   * How often the bucket balancer moves units between the buckets of an open
   * split sale (and tells each bucket how many units the others hold).
   */
  BUCKET_BALANCE_MS: { kind: 'int', default: 500, min: 10 },
  /** 'off' runs consumers only (tests drive the jobs themselves). */
  SCHEDULES: { kind: 'string', default: 'on' },
  /** Test-only fault injection: 'exit-after-read' or 'exit-after-write' kills the process mid-batch. */
  WORKER_FAULT: { kind: 'string', default: 'none' },
  /**
   * Where the worker serves `/metrics`, `/health` and `/ready`: a port, or
   * `off` (several workers on one machine each need a port of their own).
   */
  METRICS_PORT: { kind: 'string', default: 'off' },
  HOST: { kind: 'string', default: '127.0.0.1' },
  /** What Prometheus presents to `/metrics` as a bearer token, as to every app. */
  SERVICE_TOKEN: { kind: 'string', default: defaults.devServiceToken },
  /** Several workers of one `bun run start` share METRICS_PORT as a port group. */
  ...portGroupVars,
})
if (env.WORKER_INDEX > env.WORKER_COUNT)
  throw new ConfigError(
    `WORKER_INDEX must be between 1 and WORKER_COUNT (${env.WORKER_COUNT}), got ${env.WORKER_INDEX}`,
  )

/** The port `/metrics` is served on, or undefined when METRICS_PORT is off. */
export const metricsPort = parseMetricsPort(env.METRICS_PORT)
if (metricsPort !== undefined) refuseDevSecrets(env, env.NODE_ENV)

function parseMetricsPort(raw: string): number | undefined {
  if (raw === 'off') return undefined
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new ConfigError(`METRICS_PORT must be a port or off, got "${raw}"`)
  return port
}
