/** One finished call as the breaker judges it. */
export type Outcome = { failed: boolean; slow: boolean }

/**
 * The last `size` outcomes (a count-based sliding window, as Resilience4j's
 * COUNT_BASED window): adding one past the size forgets the oldest.
 *
 * @example
 * const window = new OutcomeWindow(10)
 * window.add({ failed: true, slow: false })
 * window.rates() // { calls: 1, failureRate: 1, slowRate: 0, failures: 1, slow: 0 }
 */
export class OutcomeWindow {
  #ring: Outcome[] = []
  #next = 0

  constructor(private readonly size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw new Error('window size must be a positive integer')
  }

  add(outcome: Outcome): void {
    if (this.#ring.length < this.size) this.#ring.push(outcome)
    else this.#ring[this.#next] = outcome
    this.#next = (this.#next + 1) % this.size
  }

  reset(): void {
    this.#ring = []
    this.#next = 0
  }

  rates(): {
    calls: number
    failures: number
    slow: number
    failureRate: number
    slowRate: number
  } {
    const calls = this.#ring.length
    const failures = this.#ring.filter((o) => o.failed).length
    const slow = this.#ring.filter((o) => o.slow).length
    return {
      calls,
      failures,
      slow,
      failureRate: calls === 0 ? 0 : failures / calls,
      slowRate: calls === 0 ? 0 : slow / calls,
    }
  }
}
