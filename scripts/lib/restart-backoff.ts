/**
 * How long `bun run start` waits before restarting a process that ended.
 * Each quick failure in a row doubles the wait, up to `maxMs`; a process that
 * had run for `healthyAfterMs` before it ended starts the count again, so one
 * crash after hours of service is retried at once while a process that dies
 * at start (a port taken, a bad setting) does not spin the machine.
 */
export type RestartBackoff = { firstMs: number; maxMs: number; healthyAfterMs: number }

export const defaultRestartBackoff: RestartBackoff = {
  firstMs: 500,
  maxMs: 30_000,
  healthyAfterMs: 60_000,
}

/**
 * The wait before restart number `attempt` (1 for the first after a healthy run).
 *
 * @example
 * restartDelay(3, defaultRestartBackoff) // 2000
 */
export function restartDelay(attempt: number, backoff: RestartBackoff): number {
  return Math.min(backoff.firstMs * 2 ** (attempt - 1), backoff.maxMs)
}

/**
 * Which attempt the next restart is, given the last one and how long the
 * process ran since.
 *
 * @example
 * nextAttempt(4, 90_000, defaultRestartBackoff) // 1: it had been healthy
 */
export function nextAttempt(lastAttempt: number, ranMs: number, backoff: RestartBackoff): number {
  return ranMs >= backoff.healthyAfterMs ? 1 : lastAttempt + 1
}
