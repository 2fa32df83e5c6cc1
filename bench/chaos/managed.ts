import { probeRedis } from '@flash/devstack'
import { waitFor } from '@flash/testing'
import { type Proc, startProcess } from '../lib/processes.ts'

/**
 * One process of the campaign's stack that faults may kill and the campaign
 * starts again the same way (same command, environment and log file, the
 * log appended to), plus how to tell it is ready to work.
 *
 * @example
 * const worker = managed('worker-1', ['bun', 'apps/worker/src/index.ts'], env, logFile, ready)
 * await worker.start()
 * await worker.kill9()
 */
export type Managed = {
  name: string
  logFile: string
  pid: () => number
  running: () => boolean
  /** Starts it (again) and waits until `ready` says so. */
  start: () => Promise<void>
  /** SIGKILL, as a crash would: nothing is flushed, nothing is drained. Resolves once it is gone. */
  kill9: () => Promise<void>
  /** SIGTERM (a drain), for the end of the campaign. */
  stop: () => Promise<void>
}

/** Ready once this returns true; polled within a bound. */
export type Readiness = (logTail: () => Promise<string>) => Promise<boolean>

/**
 * @example
 * const checkout = managed('checkout-1', command, env, logFile, httpReady(url))
 */
export function managed(
  name: string,
  command: string[],
  env: Record<string, string>,
  logFile: string,
  ready: Readiness,
): Managed {
  let proc: Proc | undefined
  const running = () => proc !== undefined && proc.exitReason() === undefined
  const gone = async (current: Proc) =>
    waitFor(() => current.exitReason() !== undefined, {
      timeoutMs: 15_000,
      what: `${name} to exit`,
    })
  return {
    name,
    logFile,
    pid: () => proc?.pid ?? 0,
    running,
    async start() {
      if (running()) throw new Error(`${name} is already running`)
      const offset = Bun.file(logFile).size
      const current = startProcess(name, command, env, logFile)
      proc = current
      const tail = () => Bun.file(logFile).slice(offset).text()
      await waitFor(
        async () => {
          if (current.exitReason()) throw new Error(`${name} ${current.exitReason()}`)
          return ready(tail)
        },
        { timeoutMs: 60_000, intervalMs: 50, what: `${name} to be ready` },
      ).catch(async (error) => {
        const lines = (await tail()).trimEnd().split('\n').slice(-20).join('\n')
        throw new Error(`${(error as Error).message}\n--- ${logFile} ---\n${lines}`)
      })
    },
    async kill9() {
      const current = proc
      if (!current || current.exitReason()) return
      process.kill(current.pid, 'SIGKILL')
      await gone(current)
    },
    async stop() {
      await proc?.stop()
    },
  }
}

/**
 * Ready when `url/health` answers 200.
 *
 * @example
 * managed('gateway', command, env, logFile, httpReady('http://127.0.0.1:4000'))
 */
export function httpReady(url: string): Readiness {
  return async () => (await fetch(`${url}/health`).catch(() => null))?.ok === true
}

/**
 * Ready once the process printed `line` (a worker has no HTTP port).
 *
 * @example
 * managed('worker-1', command, env, logFile, printed('consuming'))
 */
export function printed(line: string): Readiness {
  return async (tail) => (await tail()).includes(line)
}

/**
 * Ready when the Redis at `url` answers PING (after loading its AOF).
 *
 * @example
 * managed('redis', command, {}, logFile, redisReady(url))
 */
export function redisReady(url: string): Readiness {
  return async () => (await probeRedis(url, 500)).ok
}
