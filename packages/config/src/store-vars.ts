import { defaults } from './defaults.ts'
import type { EnvSpec } from './read-env.ts'

/**
 * The variables every process that keeps state in Redis reads: where Redis
 * is, its key prefix and partitions, and what production requires of it.
 *
 * @example
 * const env = readEnv(Bun.env, { PORT: { kind: 'int', default: 3003 }, ...redisVars, ...databaseVars })
 */
export const redisVars = {
  /**
   * One server (`redis://host:port`), or a Redis Cluster named by some of
   * its nodes: `redis+cluster://host:port,host:port,...` (README "Redis Cluster").
   */
  REDIS_URL: { kind: 'redis-url', default: defaults.redisUrl },
  REDIS_PREFIX: { kind: 'string', default: 'fs:' },
  REDIS_PARTITIONS: { kind: 'int', default: 1, min: 1 },
  /** `production` refuses the development secrets and a Redis without an append-only file. */
  NODE_ENV: { kind: 'string', default: 'development' },
  /** `yes` lets a production process run on a Redis without an append-only file (README "Durability"). */
  REDIS_ALLOW_NO_AOF: { kind: 'bool', default: false },
} as const satisfies EnvSpec

/** Where MySQL is, for every process that stores in it. */
export const databaseVars = {
  DATABASE_URL: { kind: 'url', default: defaults.databaseUrl },
} as const satisfies EnvSpec
