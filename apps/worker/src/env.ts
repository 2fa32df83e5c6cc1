import { defaults, readEnv } from '@flash/config'

/** The only place the worker reads the environment. */
export const env = readEnv(Bun.env, {
  REDIS_URL: { kind: 'url', default: defaults.redisUrl },
  DATABASE_URL: { kind: 'url', default: defaults.databaseUrl },
  REDIS_PREFIX: { kind: 'string', default: 'fs:' },
  REDIS_PARTITIONS: { kind: 'int', default: 1, min: 1 },
  /** Stable per worker process: a restarted worker replays what it read and never acknowledged. */
  WORKER_NAME: { kind: 'string', default: 'worker-1' },
  ORDER_WRITER_BATCH: { kind: 'int', default: 500, min: 1 },
  /** Test-only fault injection: 'exit-after-read' or 'exit-after-write' kills the process mid-batch. */
  WORKER_FAULT: { kind: 'string', default: 'none' },
})
