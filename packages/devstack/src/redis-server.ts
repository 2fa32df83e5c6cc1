import { resolve } from 'node:path'
import { clusterUrl } from '@flash/redis'
import { probeRedis } from './probe.ts'
import type { Appendfsync } from './redis-settings.ts'
import {
  defaultWhich,
  type EnsureOptions,
  MissingServiceError,
  redact,
  type Service,
} from './service.ts'
import { startRedisServer } from './start-redis-server.ts'

/**
 * Returns a Redis to use: the one at `url` if it answers PING within about a
 * second, otherwise a private `redis-server` started on a free 127.0.0.1 port
 * with the URL's password and database, and the project's durable settings
 * (append-only file under `<dataDir>/redis`, reloaded by the next run;
 * `appendfsync` everysec unless told `always`; no eviction). Throws
 * MissingServiceError when neither is possible.
 *
 * @example
 * const redis = await ensureRedis('redis://127.0.0.1:6379', { dataDir: '.data', log: console.log })
 * // ... use redis.url ...
 * await redis.stop() // only stops it if it was started here
 */
export async function ensureRedis(
  url: string,
  options: EnsureOptions & { appendfsync?: Appendfsync },
): Promise<Service> {
  const log = options.log ?? (() => {})
  const which = options.which ?? defaultWhich
  const cluster = clusterUrl(url)
  if (cluster) return findCluster(url, cluster, log)
  const probe = await probeRedis(url)
  if (probe.ok) {
    log(`redis: using ${redact(url)}`)
    return { url, started: false, stop: async () => {} }
  }

  if (!which('redis-server'))
    throw new MissingServiceError(
      `Redis is not reachable at ${redact(url)} (${probe.reason}) ` +
        'and redis-server is not installed. ' +
        'Install it (e.g. `apt-get install redis-server`) or run `docker compose up -d redis mysql`, ' +
        'and set REDIS_URL to the server.',
    )

  log(`redis: ${redact(url)} not reachable (${probe.reason}); starting a private redis-server`)
  const dir = resolve(options.dataDir, 'redis')
  const appendfsync = options.appendfsync ?? 'everysec'
  const server = await startRedisServer({ dir, appendfsync, url, which })
  log(
    `redis: started ${redact(server.url)} (pid ${server.pid}, appendfsync ${appendfsync}, ` +
      `data and log in ${dir})`,
  )
  return { url: server.url, started: true, stop: server.stop }
}

/**
 * A Redis Cluster is used when one of its nodes answers PING; none is ever
 * started here (`startRedisCluster` does that, for tests).
 */
async function findCluster(
  url: string,
  cluster: NonNullable<ReturnType<typeof clusterUrl>>,
  log: (line: string) => void,
): Promise<Service> {
  const reasons: string[] = []
  const login = cluster.password
    ? `${encodeURIComponent(cluster.username ?? '')}:${encodeURIComponent(cluster.password)}@`
    : ''
  for (const { host, port } of cluster.nodes) {
    const address = host.includes(':') ? `[${host}]` : host
    const probe = await probeRedis(`redis://${login}${address}:${port}`)
    if (probe.ok) {
      log(`redis: using the cluster ${redact(url)}`)
      return { url, started: false, stop: async () => {} }
    }
    reasons.push(`${address}:${port}: ${probe.reason}`)
  }
  throw new MissingServiceError(
    `no node of the Redis Cluster in REDIS_URL answered (${reasons.join('; ')}); ` +
      'a cluster is never started for you: start it, or set REDIS_URL to a single redis:// server.',
  )
}
