import Redis from 'ioredis'
import { registerCommands } from './commands.ts'

export type RedisOptions = {
  /** Name shown by CLIENT LIST, to tell the apps apart when debugging. */
  name?: string
  /** Fail a command at once while disconnected instead of queueing it (health probes). */
  failFast?: boolean
}

/**
 * Connects to Redis with our Lua commands registered and auto-pipelining on:
 * concurrent requests share round trips, which is most of the hot path's cost.
 *
 * @example
 * const redis = connectRedis('redis://127.0.0.1:6379', { name: 'checkout' })
 * await redis.ping()
 */
export function connectRedis(url: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    connectionName: options.name,
    enableAutoPipelining: true,
    // reserve() batches its own calls per event-loop turn; a second turn of waiting
    // inside ioredis would only add latency and a pipeline's bookkeeping.
    autoPipeliningIgnoredCommands: ['reserveOrders'],
    maxRetriesPerRequest: options.failFast ? 0 : 20,
    enableOfflineQueue: !options.failFast,
    lazyConnect: false,
  })
  registerCommands(redis)
  return redis
}
