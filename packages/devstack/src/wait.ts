/**
 * Bounds for waitUntil.
 *
 * @example
 * const options: WaitOptions = { what: 'mariadbd', timeoutMs: 60_000, abortIf: child.exitReason }
 */
export type WaitOptions = {
  /** What is awaited, for the timeout message. */
  what: string
  timeoutMs: number
  intervalMs?: number
  /** Returns a reason to give up early, e.g. the server process already exited. */
  abortIf?: () => string | undefined
}

/**
 * Polls `check` until it returns true, failing after `timeoutMs` or as soon as
 * `abortIf` reports a reason. Polling instead of a fixed sleep: a fast machine
 * continues at once, a slow one still gets the whole budget.
 *
 * @example
 * await waitUntil(async () => (await probeRedis(url)).ok, { what: 'redis', timeoutMs: 10_000 })
 */
export async function waitUntil(
  check: () => Promise<boolean>,
  options: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs
  for (;;) {
    if (await check()) return
    const reason = options.abortIf?.()
    if (reason) throw new Error(`${options.what}: ${reason}`)
    if (Date.now() >= deadline)
      throw new Error(`${options.what}: not ready after ${options.timeoutMs} ms`)
    await Bun.sleep(options.intervalMs ?? 50)
  }
}
