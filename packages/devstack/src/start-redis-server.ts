import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { probeRedis } from './probe.ts'
import { type Appendfsync, durableRedisArgs } from './redis-settings.ts'
import { defaultWhich, MissingServiceError, type Which } from './service.ts'
import { startOnFreePort } from './start-on-free-port.ts'

/**
 * Where and how to start a private redis-server.
 *
 * @example
 * const options: RedisServerOptions = { dir: '/tmp/redis-a', appendfsync: 'always' }
 */
export type RedisServerOptions = {
  /** Its data (the append-only file) and log; a server started on the same folder again reloads it. */
  dir: string
  appendfsync?: Appendfsync
  /**
   * Arguments after ours, so they win: a test starts a misconfigured server
   * with e.g. `['--maxmemory-policy', 'allkeys-lru']` or `['--appendonly', 'no']`.
   */
  args?: string[]
  /** The server accepts this URL's password and keeps its database number; host and port are replaced. */
  url?: string
  which?: Which
}

/**
 * A private redis-server: its URL, and how to stop it (SIGTERM: Redis fsyncs
 * its AOF and exits) or crash it (SIGKILL, as a power cut would, minus the
 * page cache).
 *
 * @example
 * await using redis = await startRedisServer({ dir })
 * await redis.crash()
 */
export type RedisServer = {
  url: string
  port: number
  pid: number
  stop: () => Promise<void>
  crash: () => Promise<void>
  [Symbol.asyncDispose]: () => Promise<void>
}

/**
 * Starts a redis-server on a free 127.0.0.1 port with the project's durable
 * settings (appendonly yes, appendfsync everysec or always, maxmemory-policy
 * noeviction) and waits until it answers PING, i.e. has loaded its AOF.
 * Refuses a folder another live redis-server is using: two servers writing one
 * append-only file would corrupt it. For tests and `bun run start` alike.
 *
 * @example
 * await using redis = await startRedisServer({ dir: mkdtempSync(join(tmpdir(), 'redis-')) })
 * const client = connectRedis(redis.url)
 */
export async function startRedisServer(options: RedisServerOptions): Promise<RedisServer> {
  const which = options.which ?? defaultWhich
  const binary = which('redis-server')
  if (!binary)
    throw new MissingServiceError(
      'redis-server is not installed. Install it (e.g. `apt-get install redis-server`).',
    )
  const dir = resolve(options.dir)
  mkdirSync(dir, { recursive: true })
  const pidFile = join(dir, 'redis-server.pid')
  refuseIfRunning(dir, pidFile)

  const template = options.url ? new URL(options.url) : new URL('redis://127.0.0.1')
  const urlFor = (port: number) => {
    const parsed = new URL(template)
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
    // Loading a large append-only file takes a while; PING answers LOADING until then.
    timeoutMs: 60_000,
    graceMs: 10_000,
    command: (port) => [
      binary,
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--pidfile',
      pidFile,
      ...durableRedisArgs(options.appendfsync),
      ...credentialArgs(template),
      ...(options.args ?? []),
    ],
    ready: async (port) => (await probeRedis(urlFor(port), 500)).ok,
  })
  const stop = () => child.stop(10_000)
  return {
    url: urlFor(port),
    port,
    pid: child.pid,
    stop,
    crash: async () => {
      if (!child.exitReason()) process.kill(child.pid, 'SIGKILL')
      await child.stop(0)
    },
    [Symbol.asyncDispose]: stop,
  }
}

/**
 * A redis-server left over from a SIGKILLed run (without setpriv) may still
 * write this folder's append-only file; starting a second one on it would
 * interleave their writes. It is not ours to kill, so say so.
 */
function refuseIfRunning(dir: string, pidFile: string): void {
  if (!existsSync(pidFile)) return
  const pid = Number(readFileSync(pidFile, 'utf8').trim())
  if (!Number.isInteger(pid) || pid <= 0 || !isRedisServer(pid)) return
  throw new Error(
    `another redis-server (pid ${pid}) is already running on ${dir}, ` +
      'probably left over from an earlier run; stop it or use another data folder',
  )
}

/** Whether `pid` is a live redis-server; a stale pid file may name a pid reused since. */
function isRedisServer(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    // EPERM: alive, but another user's.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server')
  } catch {
    // No /proc (macOS): a live process with that pid is the best evidence there is.
    return true
  }
}

/** Makes the server accept the same credentials the URL carries. */
function credentialArgs(url: URL): string[] {
  const password = decodeURIComponent(url.password)
  const username = decodeURIComponent(url.username)
  if (!password) return []
  if (!username || username === 'default') return ['--requirepass', password]
  return ['--user', username, 'on', `>${password}`, '~*', '&*', '+@all']
}
