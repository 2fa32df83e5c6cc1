import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { durableRedisArgs, freePort, probeRedis } from '@flash/devstack'

const repoRoot = new URL('../..', import.meta.url).pathname
const setpriv = process.platform === 'linux' ? Bun.which('setpriv') : null

/**
 * The command, under `setpriv --pdeathsig TERM` where there is one, so it
 * ends when the bench does, even on Ctrl-C or SIGKILL (setpriv execs: same pid).
 *
 * @example
 * Bun.spawn(withParentDeath(['wrk', '-d10s', url]))
 */
export function withParentDeath(command: string[]): string[] {
  return setpriv ? [setpriv, '--pdeathsig', 'TERM', ...command] : command
}

/**
 * A process the bench started: its pid (for memory and CPU figures), where it
 * writes, and how to stop it.
 *
 * @example
 * await using checkout = startApp('checkout', env, logDir)
 * console.log(checkout.pid)
 */
export type Proc = {
  name: string
  pid: number
  logFile: string
  /** Set once the process has exited, e.g. 'exited with code 1'. */
  exitReason: () => string | undefined
  stop: () => Promise<void>
  [Symbol.asyncDispose]: () => Promise<void>
}

/**
 * Starts a command from the repository root with its output in `logFile`.
 * Not @flash/testing's spawnApp: the bench needs each process's pid.
 *
 * @example
 * const server = startProcess('bare', ['bun', 'bench/bare/server.ts'], { PORT: '4000' }, logFile)
 */
export function startProcess(
  name: string,
  command: string[],
  env: Record<string, string>,
  logFile: string,
): Proc {
  const fd = openSync(logFile, 'a')
  const child = Bun.spawn(withParentDeath(command), {
    cwd: repoRoot,
    env: { ...Bun.env, ...env },
    stdio: ['ignore', fd, fd],
  })
  closeSync(fd)
  let exitReason: string | undefined
  const exited = child.exited.then(() => {
    exitReason = child.signalCode
      ? `killed by ${child.signalCode}`
      : `exited with ${child.exitCode}`
  })
  const stop = async () => {
    if (exitReason) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
  return {
    name,
    pid: child.pid,
    logFile,
    exitReason: () => exitReason,
    stop,
    [Symbol.asyncDispose]: stop,
  }
}

/**
 * Starts `bun apps/<app>/src/index.ts`, the way `bun run start` does.
 *
 * @example
 * const checkout = startApp('checkout', { PORT: '4100', RATE_LIMITS: 'off' }, logDir)
 */
export function startApp(app: string, env: Record<string, string>, logDir: string): Proc {
  return startProcess(app, ['bun', `apps/${app}/src/index.ts`], env, join(logDir, `${app}.log`))
}

/**
 * Waits until `url/health` answers 200, failing early (with the log's tail)
 * if the process died instead.
 *
 * @example
 * await waitHealthy(checkout, 'http://127.0.0.1:4100')
 */
export async function waitHealthy(proc: Proc, url: string): Promise<void> {
  const ready = async () => (await fetch(`${url}/health`).catch(() => null))?.ok === true
  await withLogTail(proc, waitAlive(proc, ready, 30_000, `${url}/health`))
}

/**
 * Waits until the process's log holds `text` (several processes on one port:
 * `/health` answers from any of them), failing early if it died instead.
 *
 * @example
 * await waitPrinted(checkout2, 'listening on')
 */
export async function waitPrinted(proc: Proc, text: string): Promise<void> {
  const printed = async () => (await Bun.file(proc.logFile).text()).includes(text)
  await withLogTail(proc, waitAlive(proc, printed, 30_000, `"${text}" in ${proc.logFile}`))
}

/** A failed wait's error with the last lines the process logged. */
async function withLogTail(proc: Proc, waiting: Promise<void>): Promise<void> {
  await waiting.catch(async (error) => {
    const tail = (await Bun.file(proc.logFile).text()).trimEnd().split('\n').slice(-15).join('\n')
    throw new Error(`${(error as Error).message}\n--- ${proc.logFile} ---\n${tail}`)
  })
}

/** Polls `ready`; gives up at once if the process exits (waitFor would poll on to its timeout). */
async function waitAlive(
  proc: Proc,
  ready: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
) {
  const deadline = Date.now() + timeoutMs
  while (!(await ready())) {
    if (proc.exitReason())
      throw new Error(`${proc.name} ${proc.exitReason()} before ${what} answered`)
    if (Date.now() > deadline)
      throw new Error(`${proc.name}: ${what} did not answer in ${timeoutMs} ms`)
    await Bun.sleep(50)
  }
}

/** How a private Redis persists: an fsync per write, one per second, or no AOF. */
export type Fsync = 'always' | 'everysec' | 'off'

/**
 * A redis-server of the bench's own on a free port, so persistence can be
 * changed without touching the shared Redis; its data folder goes with it.
 *
 * @example
 * await using redis = await startPrivateRedis('always', logDir)
 * connectRedis(redis.url)
 */
export async function startPrivateRedis(
  fsync: Fsync,
  logDir: string,
): Promise<Proc & { url: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'))
  // The project's durable settings (noeviction too), with the AOF switched off for `off`.
  const settings =
    fsync === 'off' ? [...durableRedisArgs(), '--appendonly', 'no'] : durableRedisArgs(fsync)
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const url = `redis://127.0.0.1:${port}`
    const proc = startProcess(
      `redis-${fsync}`,
      ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...settings],
      {},
      join(logDir, `redis-${fsync}.log`),
    )
    try {
      await waitAlive(proc, async () => (await probeRedis(url, 500)).ok, 10_000, url)
    } catch (error) {
      await proc.stop()
      // Another process can take the port between freePort() and the bind.
      if (attempt < 3) continue
      throw error
    }
    const stop = async () => {
      await proc.stop()
      rmSync(dir, { recursive: true, force: true })
    }
    return { ...proc, url, stop, [Symbol.asyncDispose]: stop }
  }
}
