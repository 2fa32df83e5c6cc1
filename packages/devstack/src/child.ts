import { closeSync, openSync, statSync } from 'node:fs'
import type { Subprocess } from 'bun'
import type { Which } from './service.ts'

/**
 * A server process started by spawnChild.
 *
 * @example
 * const child: Child = spawnChild(cmd, { logFile, which: defaultWhich })
 * if (child.exitReason()) console.log(await child.logTail())
 */
export type Child = {
  pid: number
  /** Set once the process has exited, e.g. 'exited with code 1'. */
  exitReason: () => string | undefined
  /** The last lines this process wrote to its log file. */
  logTail: (lines?: number) => Promise<string>
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Idempotent. */
  stop: (graceMs: number) => Promise<void>
}

const live = new Set<Subprocess>()
const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

function terminateAll(): void {
  for (const child of live) child.kill('SIGTERM')
}

const onSignal = new Map(
  forwarded.map((signal) => [
    signal,
    () => {
      terminateAll()
      // Our listener replaced the default "die on signal"; restore it when
      // nobody else is listening, so Ctrl-C still ends the program.
      if (process.listenerCount(signal) === 1) {
        unwatch()
        process.kill(process.pid, signal)
      }
    },
  ]),
)

function watch(): void {
  process.on('exit', terminateAll)
  for (const [signal, handler] of onSignal) process.on(signal, handler)
}

function unwatch(): void {
  process.off('exit', terminateAll)
  for (const [signal, handler] of onSignal) process.off(signal, handler)
}

/**
 * Starts a server process that must not outlive this one: its output goes to
 * `logFile`, it is SIGTERMed when this process exits or gets SIGINT/SIGTERM/
 * SIGHUP, and on Linux it is started under `setpriv --pdeathsig` so that even
 * a SIGKILLed parent takes it down. It does not keep the event loop alive.
 *
 * @example
 * const child = spawnChild(['redis-server', '--port', '6390'], { logFile, which: defaultWhich })
 * await child.stop(5_000)
 */
export function spawnChild(cmd: string[], options: { logFile: string; which: Which }): Child {
  const setpriv = process.platform === 'linux' ? options.which('setpriv') : null
  const argv = setpriv ? [setpriv, '--pdeathsig', 'TERM', ...cmd] : cmd
  const logOffset = sizeOf(options.logFile)
  const fd = openSync(options.logFile, 'a')
  let proc: Subprocess
  try {
    proc = Bun.spawn(argv, { stdio: ['ignore', fd, fd] })
  } finally {
    closeSync(fd)
  }
  if (live.size === 0) watch()
  live.add(proc)
  proc.unref()
  let exitReason: string | undefined
  const exited = proc.exited.then(() => {
    exitReason = proc.signalCode
      ? `killed by ${proc.signalCode}`
      : `exited with code ${proc.exitCode}`
    live.delete(proc)
    if (live.size === 0) unwatch()
  })
  let stopping: Promise<void> | undefined

  return {
    pid: proc.pid,
    exitReason: () => exitReason,
    logTail: async (lines = 15) => {
      const text = await Bun.file(options.logFile).slice(logOffset).text()
      return text.trimEnd().split('\n').slice(-lines).join('\n')
    },
    stop: (graceMs) => {
      stopping ??= (async () => {
        if (exitReason) return
        // Keep this process alive until the child has really gone.
        proc.ref()
        proc.kill('SIGTERM')
        const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs)
        await exited
        clearTimeout(timer)
      })()
      return stopping
    },
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}
