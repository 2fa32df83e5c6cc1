/** Time and timers, injectable so tests drive them instead of waiting. */
export type Clock = {
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/**
 * The real clock.
 *
 * @example
 * new CircuitBreaker({ name: 'checkout', clock: systemClock })
 */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/**
 * A clock that moves only when told to; due timers fire during `advance`.
 *
 * @example
 * const clock = new ManualClock()
 * const breaker = new CircuitBreaker({ name: 'x', clock })
 * clock.advance(10_000) // the open wait is over
 */
export class ManualClock implements Clock {
  #now = 0
  #timers = new Map<number, { at: number; callback: () => void }>()
  #nextId = 1

  now(): number {
    return this.#now
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#nextId++
    this.#timers.set(id, { at: this.#now + ms, callback })
    return id
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number)
  }

  /** Timers still waiting to fire (a closed breaker must leave none). */
  get pendingTimers(): number {
    return this.#timers.size
  }

  advance(ms: number): void {
    this.#now += ms
    for (const [id, timer] of [...this.#timers].sort((a, b) => a[1].at - b[1].at)) {
      if (timer.at > this.#now) continue
      this.#timers.delete(id)
      timer.callback()
    }
  }
}
