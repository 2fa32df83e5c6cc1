import { ensureMysql } from './mariadb-server.ts'
import { ensureRedis } from './redis-server.ts'
import type { Appendfsync } from './redis-settings.ts'
import type { Which } from './service.ts'

/**
 * The URLs to try first, and where private servers keep their data.
 *
 * @example
 * const options: EnsureServicesOptions = { redisUrl, databaseUrl, dataDir: '.data' }
 */
export type EnsureServicesOptions = {
  redisUrl: string
  databaseUrl: string
  dataDir: string
  /** How often a private Redis fsyncs its append-only file (`everysec` when unset). */
  redisAppendfsync?: Appendfsync
  log?: (line: string) => void
  which?: Which
}

/**
 * Finds or starts Redis and MySQL in parallel. If one of them fails, the other
 * is stopped again (if it was started here) before the error is thrown.
 *
 * @example
 * const services = await ensureServices({
 *   redisUrl: Bun.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
 *   databaseUrl: Bun.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/flashsale',
 *   dataDir: '.data',
 *   log: console.log,
 * })
 * // ... start the apps with services.redisUrl and services.databaseUrl ...
 * await services.stop()
 */
export async function ensureServices(
  options: EnsureServicesOptions,
): Promise<{ redisUrl: string; databaseUrl: string; stop: () => Promise<void> }> {
  const { redisUrl, databaseUrl, redisAppendfsync, ...shared } = options
  const settled = await Promise.allSettled([
    ensureRedis(redisUrl, { ...shared, appendfsync: redisAppendfsync }),
    ensureMysql(databaseUrl, shared),
  ])
  const [redis, mysql] = settled
  if (redis.status === 'fulfilled' && mysql.status === 'fulfilled')
    return {
      redisUrl: redis.value.url,
      databaseUrl: mysql.value.url,
      stop: async () => {
        await Promise.all([redis.value.stop(), mysql.value.stop()])
      },
    }
  await Promise.all(settled.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)))
  throw settled.find((r) => r.status === 'rejected')?.reason
}
