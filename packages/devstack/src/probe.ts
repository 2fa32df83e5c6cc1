import { SQL } from 'bun'

/**
 * Whether a server answered, and if not, why (for logs and error messages).
 *
 * @example
 * const result: ProbeResult = await probeRedis(url)
 * if (!result.ok) log(result.reason)
 */
export type ProbeResult = { ok: true } | { ok: false; reason: string }

/**
 * Host and port of a redis:// or mysql:// URL, with IPv6 brackets removed
 * because sockets want the bare address.
 *
 * @example
 * endpointOf('redis://[::1]:6380/0', 6379) // { host: '::1', port: 6380 }
 */
export function endpointOf(url: URL, defaultPort: number): { host: string; port: number } {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1'
  return { host, port: url.port ? Number(url.port) : defaultPort }
}

/**
 * Sends PING (after AUTH when the URL has credentials) over a raw socket and
 * reports whether +PONG came back within `timeoutMs`. A raw socket instead of
 * a client library: clients retry and reconnect, which turns "nobody there"
 * into a long wait.
 *
 * @example
 * const result = await probeRedis('redis://127.0.0.1:6379')
 * if (!result.ok) console.log(result.reason)
 */
export function probeRedis(url: string, timeoutMs = 1000): Promise<ProbeResult> {
  const parsed = new URL(url)
  const { host, port } = endpointOf(parsed, 6379)
  const password = decodeURIComponent(parsed.password)
  const username = decodeURIComponent(parsed.username)
  const commands: string[][] = []
  if (password) commands.push(username ? ['AUTH', username, password] : ['AUTH', password])
  commands.push(['PING'])
  const payload = commands.map(encodeCommand).join('')

  return new Promise((resolve) => {
    let settled = false
    let socket: { end(): void } | undefined
    let received = ''
    const finish = (result: ProbeResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket?.end()
      resolve(result)
    }
    const timer = setTimeout(
      () => finish({ ok: false, reason: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    )
    Bun.connect({
      hostname: host,
      port,
      tls: parsed.protocol === 'rediss:',
      socket: {
        open(s) {
          s.write(payload)
        },
        data(_, chunk) {
          received += chunk.toString()
          // Every reply to AUTH and PING is a single line, so one line per command.
          const lines = received.split('\r\n').slice(0, -1)
          if (lines.length < commands.length) return
          const failed = lines.find((line) => !line.startsWith('+'))
          const last = lines[commands.length - 1]
          if (failed) finish({ ok: false, reason: `server replied ${failed}` })
          else if (last === '+PONG') finish({ ok: true })
          else finish({ ok: false, reason: `unexpected reply ${last}` })
        },
        close() {
          finish({ ok: false, reason: 'connection closed before PONG' })
        },
        error(_, error) {
          finish({ ok: false, reason: error.message })
        },
        connectError(_, error) {
          finish({ ok: false, reason: error.message })
        },
      },
    }).then(
      (s) => {
        socket = s
        // The timeout may have fired while the connection was still being set up.
        if (settled) s.end()
      },
      (error: Error) => finish({ ok: false, reason: error.message }),
    )
  })
}

function encodeCommand(parts: string[]): string {
  const body = parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')
  return `*${parts.length}\r\n${body}`
}

/**
 * Where and as whom to log in to MySQL; a unix socket `path` wins over host and port.
 *
 * @example
 * const admin: MysqlTarget = { path: '/tmp/data/mysql/mysqld.sock', user: 'root', password: '' }
 */
export type MysqlTarget = {
  host?: string
  port?: number
  path?: string
  user: string
  password: string
}

/**
 * Parses a mysql://user[:pass]@host:port/db URL into a login target.
 *
 * @example
 * mysqlTarget('mysql://root@127.0.0.1:3306/shop')
 * // { host: '127.0.0.1', port: 3306, user: 'root', password: '' }
 */
export function mysqlTarget(url: string): MysqlTarget {
  const parsed = new URL(url)
  return {
    ...endpointOf(parsed, 3306),
    user: decodeURIComponent(parsed.username) || 'root',
    password: decodeURIComponent(parsed.password),
  }
}

/**
 * Opens a single short-lived MySQL connection, runs `use` on it and closes it.
 * Logs in to information_schema, which every account may use, because the
 * URL's own database may not exist yet.
 *
 * @example
 * const port = await withMysql(mysqlTarget(url), (db) => db`SELECT @@port AS port`)
 */
export async function withMysql<T>(
  target: MysqlTarget,
  use: (db: SQL) => Promise<T>,
  timeoutMs = 1000,
): Promise<T> {
  const db = new SQL({
    adapter: 'mysql',
    ...(target.path ? { path: target.path } : { hostname: target.host, port: target.port }),
    username: target.user,
    password: target.password,
    database: 'information_schema',
    max: 1,
    connectionTimeout: Math.max(1, Math.ceil(timeoutMs / 1000)),
  })
  try {
    return await use(db)
  } finally {
    await db.close({ timeout: 0 }).catch(() => {})
  }
}

/**
 * Reports whether the server in a mysql:// URL accepts the URL's credentials
 * within about `timeoutMs`. Does not require (or create) the URL's database.
 *
 * @example
 * const result = await probeMysql('mysql://root@127.0.0.1:3306/test')
 */
export async function probeMysql(url: string, timeoutMs = 1000): Promise<ProbeResult> {
  let timer: Timer | undefined
  const timeout = new Promise<ProbeResult>((resolve) => {
    // Backstop in case the driver's own (whole-second) timeout does not fire.
    timer = setTimeout(
      () => resolve({ ok: false, reason: `no answer within ${timeoutMs} ms` }),
      timeoutMs + 500,
    )
  })
  const login = withMysql(mysqlTarget(url), (db) => db`SELECT 1`, timeoutMs).then(
    (): ProbeResult => ({ ok: true }),
    (error: Error): ProbeResult => ({ ok: false, reason: error.message }),
  )
  try {
    return await Promise.race([login, timeout])
  } finally {
    clearTimeout(timer)
  }
}
