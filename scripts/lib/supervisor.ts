import type { Subprocess } from 'bun'
import { startApp } from './processes.ts'
import {
  defaultRestartBackoff,
  nextAttempt,
  type RestartBackoff,
  restartDelay,
} from './restart-backoff.ts'

/** One long-running process: its name in the logs, its command line and its settings. */
export type ProcessPlan = { name: string; command: string[]; env: Record<string, string> }

export type SuperviseOptions = {
  backoff?: RestartBackoff
  log?: (line: string) => void
  /** Milliseconds on a monotonic clock; a test passes its own to make a run look long or short. */
  now?: () => number
}

export type Supervisor = {
  /** The pid of the process running under `name`, undefined while it waits to be restarted. */
  pidOf: (name: string) => number | undefined
  /**
   * Cancels every pending restart, sends SIGTERM to every process (each
   * drains and exits, see stopOnSignals in @flash/http) and resolves once all
   * have exited. Nothing is restarted from then on.
   */
  stop: () => Promise<void>
}

type Slot = {
  plan: ProcessPlan
  index: number
  attempt: number
  child?: Subprocess
  timer?: ReturnType<typeof setTimeout>
}

/**
 * Starts every process of `plans` with its output prefixed (startApp) and
 * keeps each one running: whatever ends it (any exit code, a signal such as
 * kill -9, a command that cannot be spawned) it is started again after a
 * backoff, with one log line saying which process, how it ended, when it
 * restarts and the attempt number. The others are never touched.
 *
 * @example
 * const supervisor = supervise([{ name: 'worker', command: ['bun', 'apps/worker/src/index.ts'], env }])
 * // logs e.g. "worker was killed by SIGKILL after 42.5 s; restarting in 0.5 s (attempt 1)"
 * await supervisor.stop()
 */
export function supervise(plans: ProcessPlan[], options: SuperviseOptions = {}): Supervisor {
  const backoff = options.backoff ?? defaultRestartBackoff
  const log = options.log ?? ((line: string) => console.error(line))
  const now = options.now ?? (() => performance.now())
  const slots: Slot[] = plans.map((plan, index) => ({ plan, index, attempt: 0 }))
  let stopping = false
  let stopped: Promise<void> | undefined

  function launch(slot: Slot) {
    slot.timer = undefined
    if (stopping) return
    const startedAt = now()
    let child: Subprocess
    try {
      child = startApp(slot.plan.name, slot.plan.command, slot.plan.env, slot.index).process
    } catch (error) {
      ended(slot, `could not be started (${(error as Error).message})`, 0)
      return
    }
    slot.child = child
    void child.exited.then(() => {
      slot.child = undefined
      ended(slot, howItEnded(child), now() - startedAt)
    })
  }

  function ended(slot: Slot, how: string, ranMs: number) {
    // Ctrl-C reaches the apps too, and they exit on it: that is the stop, not a crash.
    if (stopping) return
    slot.attempt = nextAttempt(slot.attempt, ranMs, backoff)
    const delayMs = restartDelay(slot.attempt, backoff)
    log(
      `${slot.plan.name} ${how} after ${seconds(ranMs)}; restarting in ${seconds(delayMs)} (attempt ${slot.attempt})`,
    )
    slot.timer = setTimeout(() => launch(slot), delayMs)
  }

  for (const slot of slots) launch(slot)

  return {
    pidOf: (name) => slots.find((slot) => slot.plan.name === name)?.child?.pid,
    stop() {
      stopping = true
      stopped ??= (async () => {
        for (const slot of slots) clearTimeout(slot.timer)
        const running = slots.flatMap((slot) => (slot.child ? [slot.child] : []))
        for (const child of running) child.kill('SIGTERM')
        await Promise.all(running.map((child) => child.exited))
      })()
      return stopped
    },
  }
}

function howItEnded(child: Subprocess): string {
  return child.signalCode
    ? `was killed by ${child.signalCode}`
    : `exited with code ${child.exitCode}`
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(2))} s`
}
