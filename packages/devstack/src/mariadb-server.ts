import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { mysqlTarget, probeMysql, withMysql } from './probe.ts'
import {
  defaultWhich,
  type EnsureOptions,
  MissingServiceError,
  redact,
  type Service,
  type Which,
} from './service.ts'
import { startOnFreePort } from './start-on-free-port.ts'

const missingHint =
  'Install it (e.g. `apt-get install mariadb-server`) or run `docker compose up -d redis mysql`, ' +
  'and set DATABASE_URL to the server.'

/**
 * Returns a MySQL server to use: the one at `url` (mysql://user[:pass]@host:port/db)
 * if it accepts the URL's login within about a second, otherwise a private
 * `mariadbd` on a free 127.0.0.1 port whose data lives in `<dataDir>/mysql`
 * and survives between runs. The URL's user is created there with all
 * privileges; the URL's database is not (migrations do that). Throws
 * MissingServiceError when neither is possible.
 *
 * @example
 * const mysql = await ensureMysql('mysql://root@127.0.0.1:3306/flashsale', { dataDir: '.data' })
 * // ... use mysql.url ...
 * await mysql.stop() // only stops it if it was started here
 */
export async function ensureMysql(url: string, options: EnsureOptions): Promise<Service> {
  const log = options.log ?? (() => {})
  const which = options.which ?? defaultWhich
  const probe = await probeMysql(url)
  if (probe.ok) {
    log(`mysql: using ${redact(url)}`)
    return { url, started: false, stop: async () => {} }
  }

  const mariadbd = which('mariadbd')
  if (!mariadbd)
    throw new MissingServiceError(
      `MySQL is not reachable at ${redact(url)} (${probe.reason}) ` +
        `and mariadbd is not installed. ${missingHint}`,
    )

  log(`mysql: ${redact(url)} not reachable (${probe.reason}); starting a private mariadbd`)
  const dataDir = resolve(options.dataDir)
  const datadir = join(dataDir, 'mysql')
  await initialise(datadir, which, log)

  const socket = socketPath(datadir)
  await refuseIfRunning(datadir, socket)
  const logFile = join(dataDir, 'mariadbd.log')
  // mariadbd refuses to run as root unless told which user to be; `--user=mysql`
  // would need the data dir (and every folder above it) readable by mysql.
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : []
  const { child, port } = await startOnFreePort({
    name: 'mariadbd',
    logFile,
    which,
    timeoutMs: 60_000,
    graceMs: 30_000,
    command: (port) => [
      mariadbd,
      '--no-defaults',
      `--datadir=${datadir}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${socket}`,
      `--pid-file=${join(datadir, 'mariadbd.pid')}`,
      '--skip-log-bin',
      // Accounts are matched by IP then; also no DNS lookup per connection.
      '--skip-name-resolve',
      '--innodb-log-file-size=16M',
      ...asRoot,
    ],
    // Over the socket as root@localhost, which the URL's user never replaces;
    // checking the port tells our server from another one left on the socket.
    ready: async (port) => {
      try {
        const rows = await withMysql(
          { path: socket, user: 'root', password: '' },
          (db) => db`SELECT @@port AS port`,
          500,
        )
        return rows[0]?.port === port
      } catch {
        return false
      }
    },
  })

  const started = new URL(url)
  started.hostname = '127.0.0.1'
  started.port = String(port)
  try {
    await grantUrlUser(socket, mysqlTarget(started.toString()))
    const check = await probeMysql(started.toString(), 5_000)
    if (!check.ok) throw new Error(`cannot log in as the URL's user: ${check.reason}`)
  } catch (error) {
    await child.stop(30_000)
    throw error
  }
  log(`mysql: started ${redact(started.toString())} (pid ${child.pid}, log ${logFile})`)
  return { url: started.toString(), started: true, stop: () => child.stop(30_000) }
}

/**
 * Creates the system tables the first time. Done in a side folder and renamed
 * into place, so an interrupted init is redone instead of reused half-made.
 */
async function initialise(datadir: string, which: Which, log: (line: string) => void) {
  if (existsSync(join(datadir, 'mysql'))) return
  const installDb = which('mariadb-install-db') ?? which('mysql_install_db')
  if (!installDb)
    throw new MissingServiceError(
      `mariadbd is installed but mariadb-install-db is not, ` +
        `so ${datadir} cannot be initialised. ${missingHint}`,
    )
  log(`mysql: initialising ${datadir}`)
  const staging = `${datadir}.initialising`
  rmSync(staging, { recursive: true, force: true })
  mkdirSync(staging, { recursive: true })
  const init = Bun.spawn(
    [
      installDb,
      '--no-defaults',
      `--datadir=${staging}`,
      // Makes root@localhost and root@127.0.0.1 log in with an empty password
      // instead of unix_socket auth, which only works for the OS root user.
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
      '--innodb-log-file-size=16M',
      ...(process.getuid?.() === 0 ? ['--user=root'] : []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const [stdout, stderr, code] = await Promise.all([
    init.stdout.text(),
    init.stderr.text(),
    init.exited,
  ])
  if (code !== 0) {
    const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-15).join('\n')
    throw new Error(`mariadb-install-db failed with code ${code}:\n${tail}`)
  }
  // A folder without the system tables is unusable; replace it.
  rmSync(datadir, { recursive: true, force: true })
  renameSync(staging, datadir)
}

/**
 * A server left over from a SIGKILLed run (e.g. without setpriv) still holds
 * the data dir; a new mariadbd would retry InnoDB's lock for 30 s and then
 * fail, so say so at once. It is not ours to kill.
 */
async function refuseIfRunning(datadir: string, socket: string) {
  const rows = await withMysql(
    { path: socket, user: 'root', password: '' },
    (db) => db`SELECT @@port AS port`,
    500,
  ).catch(() => undefined)
  if (!rows) return
  const pidFile = Bun.file(join(datadir, 'mariadbd.pid'))
  const pid = (await pidFile.exists()) ? (await pidFile.text()).trim() : 'unknown'
  throw new Error(
    `another mariadbd (port ${rows[0]?.port}, pid ${pid}) is already running on ${datadir}, ` +
      'probably left over from an earlier run; stop it or use another dataDir',
  )
}

/** Unix socket paths are limited to ~107 bytes; deep data dirs fall back to tmpdir. */
function socketPath(datadir: string): string {
  const preferred = join(datadir, 'mysqld.sock')
  if (Buffer.byteLength(preferred) < 100) return preferred
  return join(tmpdir(), `devstack-mariadb-${Bun.hash(datadir).toString(36)}.sock`)
}

/** Lets the URL's user log in over TCP with the URL's password, every run, so URL changes apply. */
async function grantUrlUser(socket: string, target: { user: string; password: string }) {
  const account = `${quote(target.user)}@'127.0.0.1'`
  await withMysql(
    { path: socket, user: 'root', password: '' },
    async (db) => {
      await db.unsafe(
        `CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY ${quote(target.password)}`,
      )
      await db.unsafe(`ALTER USER ${account} IDENTIFIED BY ${quote(target.password)}`)
      await db.unsafe(`GRANT ALL PRIVILEGES ON *.* TO ${account} WITH GRANT OPTION`)
    },
    5_000,
  )
}

function quote(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}
