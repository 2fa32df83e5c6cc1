/**
 * Thrown instead of calling when the breaker is open (or half-open with all
 * its trial calls taken): the caller's fallback runs.
 *
 * @example
 * try { await breaker.run(call) } catch (error) { if (error instanceof BreakerOpenError) return fallback() }
 */
export class BreakerOpenError extends Error {
  override name = 'BreakerOpenError'
  constructor(readonly breaker: string) {
    super(`circuit ${breaker} is open`)
  }
}

/**
 * A call that took longer than the breaker's timeout; it counts as a failure.
 *
 * @example
 * error instanceof CallTimeoutError // the other side did not answer in time
 */
export class CallTimeoutError extends Error {
  override name = 'CallTimeoutError'
  constructor(
    readonly breaker: string,
    readonly timeoutMs: number,
  ) {
    super(`call through ${breaker} timed out after ${timeoutMs} ms`)
  }
}
