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
  // Kept as outcomes come and go: the breaker asks for the rates after every
  // call, which must not cost a walk over the whole ring.
  #failures = 0
  #slow = 0

  constructor(private readonly size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw new Error('window size must be a positive integer')
  }

  add(outcome: Outcome): void {
    const forgotten = this.#ring.length < this.size ? undefined : this.#ring[this.#next]
    if (forgotten) {
      if (forgotten.failed) this.#failures--
      if (forgotten.slow) this.#slow--
    }
    if (outcome.failed) this.#failures++
    if (outcome.slow) this.#slow++
    if (forgotten) this.#ring[this.#next] = outcome
    else this.#ring.push(outcome)
    this.#next = (this.#next + 1) % this.size
  }

  reset(): void {
    this.#ring = []
    this.#next = 0
    this.#failures = 0
    this.#slow = 0
  }

  rates(): {
    calls: number
    failures: number
    slow: number
    failureRate: number
    slowRate: number
  } {
    const calls = this.#ring.length
    const failures = this.#failures
    const slow = this.#slow
    return {
      calls,
      failures,
      slow,
      failureRate: calls === 0 ? 0 : failures / calls,
      slowRate: calls === 0 ? 0 : slow / calls,
    }
  }
}
