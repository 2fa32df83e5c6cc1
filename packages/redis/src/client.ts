import Redis from 'ioredis'
import { registerCommands } from './commands.ts'

export type RedisOptions = {
  /** Name shown by CLIENT LIST, to tell the apps apart when debugging. */
  name?: string
  /** Fail a command at once while disconnected instead of queueing it (health probes). */
  failFast?: boolean
  /** Where connection errors go (default stderr). */
  log?: (line: string) => void
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
  logConnectionErrors(redis, options.name ?? 'redis', options.log ?? console.error)
  return redis
}

/**
 * Without an `error` listener ioredis prints a stack trace for every failed
 * reconnect (several a second while Redis is down). One line per kind of
 * error instead, and one when the connection is back: ioredis keeps
 * reconnecting and queues commands meanwhile either way.
 */
function logConnectionErrors(redis: Redis, name: string, log: (line: string) => void): void {
  let last: string | undefined
  redis.on('error', (error: Error) => {
    const text = error.message
    if (text === last) return
    last = text
    log(
      `[redis:${name}] ${text}; retrying (the same error is not logged again until it reconnects)`,
    )
  })
  redis.on('ready', () => {
    if (last !== undefined) log(`[redis:${name}] connected again`)
    last = undefined
  })
}
