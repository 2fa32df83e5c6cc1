import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { probeRedis } from './probe.ts'
import {
  defaultWhich,
  type EnsureOptions,
  MissingServiceError,
  redact,
  type Service,
} from './service.ts'
import { startOnFreePort } from './start-on-free-port.ts'

/**
 * Returns a Redis to use: the one at `url` if it answers PING within about a
 * second, otherwise a private `redis-server` (no persistence) started on a free
 * 127.0.0.1 port with the URL's password and database. Throws
 * MissingServiceError when neither is possible.
 *
 * @example
 * const redis = await ensureRedis('redis://127.0.0.1:6379', { dataDir: '.data', log: console.log })
 * // ... use redis.url ...
 * await redis.stop() // only stops it if it was started here
 */
export async function ensureRedis(url: string, options: EnsureOptions): Promise<Service> {
  const log = options.log ?? (() => {})
  const which = options.which ?? defaultWhich
  const probe = await probeRedis(url)
  if (probe.ok) {
    log(`redis: using ${redact(url)}`)
    return { url, started: false, stop: async () => {} }
  }

  const binary = which('redis-server')
  if (!binary)
    throw new MissingServiceError(
      `Redis is not reachable at ${redact(url)} (${probe.reason}) ` +
        'and redis-server is not installed. ' +
        'Install it (e.g. `apt-get install redis-server`) or run `docker compose up -d`, ' +
        'and set REDIS_URL to the server.',
    )

  log(`redis: ${redact(url)} not reachable (${probe.reason}); starting a private redis-server`)
  const dir = resolve(options.dataDir, 'redis')
  mkdirSync(dir, { recursive: true })
  const privateUrl = (port: number) => {
    const parsed = new URL(url)
    parsed.protocol = 'redis:'
    parsed.hostname = '127.0.0.1'
    parsed.port = String(port)
    return parsed.toString()
  }
  const logFile = join(dir, 'redis-server.log')
  const { child, port } = await startOnFreePort({
    name: 'redis-server',
    logFile,
    which,
    timeoutMs: 10_000,
    graceMs: 5_000,
    command: (port) => [
      binary,
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      ...credentialArgs(new URL(url)),
    ],
    ready: async (port) => (await probeRedis(privateUrl(port), 500)).ok,
  })
  const started = privateUrl(port)
  log(`redis: started ${redact(started)} (pid ${child.pid}, log ${logFile})`)
  return { url: started, started: true, stop: () => child.stop(5_000) }
}

/** Makes the private server accept the same credentials the URL carries. */
function credentialArgs(url: URL): string[] {
  const password = decodeURIComponent(url.password)
  const username = decodeURIComponent(url.username)
  if (!password) return []
  if (!username || username === 'default') return ['--requirepass', password]
  return ['--user', username, 'on', `>${password}`, '~*', '&*', '+@all']
}
