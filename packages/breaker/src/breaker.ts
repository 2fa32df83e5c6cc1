import { type Clock, systemClock } from './clock.ts'
import { Deadlines } from './deadlines.ts'
import { BreakerOpenError, CallTimeoutError } from './errors.ts'
import { OutcomeWindow } from './window.ts'

export type BreakerState = 'closed' | 'open' | 'half_open'

export type BreakerOptions = {
  /** Shown in errors, logs and metrics. */
  name: string
  /** How many of the last calls are judged (count-based window). Default 10. */
  windowSize?: number
  /** No verdict before this many calls are in the window. Default 10. */
  minimumCalls?: number
  /** Open when at least this share of the window failed (0..1). Default 0.5. */
  failureRateThreshold?: number
  /** A call slower than this counts as slow. Default: the timeout. */
  slowCallDurationMs?: number
  /** Open when at least this share of the window was slow (0..1). Default 1 (every call slow). */
  slowCallRateThreshold?: number
  /** How long to stay open before trying again. Default 10 s. */
  openDurationMs?: number
  /** Trial calls let through while half-open. Default 3. */
  halfOpenCalls?: number
  /** A call still running after this long fails with CallTimeoutError. Default 1 s. */
  timeoutMs?: number
  /** Which errors mean the other side is failing. Default: all. A 4xx is usually not. */
  isFailure?: (error: unknown) => boolean
  clock?: Clock
}

export type Transition = { breaker: string; from: BreakerState; to: BreakerState; at: number }

export type BreakerSnapshot = {
  name: string
  state: BreakerState
  calls: number
  failures: number
  slow: number
  failureRate: number
  slowRate: number
  /** Calls refused without calling since the breaker was made. */
  notPermitted: number
}

/**
 * A half-open circuit breaker with a count-based sliding window, judged like
 * Resilience4j's: closed until at least `minimumCalls` are in the window and
 * the failure (or slow-call) rate reaches its threshold; then open, refusing
 * at once, for `openDurationMs`; then half-open, letting exactly
 * `halfOpenCalls` trial calls through however many callers arrive together;
 * their results close it again or re-open it.
 *
 * @example
 * const breaker = new CircuitBreaker({ name: 'checkout' })
 * breaker.onTransition((t) => console.log(`${t.breaker}: ${t.from} -> ${t.to}`))
 * const orders = await breaker.runOr((signal) => fetchOrders(signal), () => [])
 */
export class CircuitBreaker {
  readonly name: string
  readonly #o: Required<Omit<BreakerOptions, 'slowCallDurationMs'>> & { slowCallDurationMs: number }
  readonly #window: OutcomeWindow
  readonly #listeners = new Set<(transition: Transition) => void>()
  readonly #deadlines: Deadlines
  #state: BreakerState = 'closed'
  #openedAt = 0
  #trialPermits = 0
  #trialResults: { failed: boolean; slow: boolean }[] = []
  #notPermitted = 0
  #closed = false

  constructor(options: BreakerOptions) {
    const timeoutMs = options.timeoutMs ?? 1000
    this.name = options.name
    this.#o = {
      name: options.name,
      windowSize: options.windowSize ?? 10,
      minimumCalls: options.minimumCalls ?? 10,
      failureRateThreshold: options.failureRateThreshold ?? 0.5,
      slowCallDurationMs: options.slowCallDurationMs ?? timeoutMs,
      slowCallRateThreshold: options.slowCallRateThreshold ?? 1,
      openDurationMs: options.openDurationMs ?? 10_000,
      halfOpenCalls: options.halfOpenCalls ?? 3,
      timeoutMs,
      isFailure: options.isFailure ?? (() => true),
      clock: options.clock ?? systemClock,
    }
    this.#window = new OutcomeWindow(this.#o.windowSize)
    this.#deadlines = new Deadlines(this.#o.clock, timeoutMs)
  }

  /** The state now; an open breaker whose wait is over reads as half-open. */
  get state(): BreakerState {
    this.#maybeHalfOpen()
    return this.#state
  }

  /**
   * Calls `call` if the breaker permits it, or throws BreakerOpenError.
   * The call gets an AbortSignal that fires at the timeout.
   */
  async run<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error(`circuit ${this.name} is closed for good`)
    const trial = this.#acquire()
    const started = this.#o.clock.now()
    try {
      const value = await this.#withTimeout(call)
      this.#record(trial, false, this.#o.clock.now() - started)
      return value
    } catch (error) {
      const failed = error instanceof CallTimeoutError || this.#o.isFailure(error)
      this.#record(trial, failed, this.#o.clock.now() - started)
      throw error
    }
  }

  /** `run`, answering `fallback()` when the breaker refuses or the call fails. */
  async runOr<T>(
    call: (signal: AbortSignal) => Promise<T>,
    fallback: (error: unknown) => T | Promise<T>,
  ): Promise<T> {
    try {
      return await this.run(call)
    } catch (error) {
      return fallback(error)
    }
  }

  /** Called on every state change, with the old and new state. Returns an unsubscribe. */
  onTransition(listener: (transition: Transition) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  snapshot(): BreakerSnapshot {
    return {
      name: this.name,
      state: this.state,
      ...this.#window.rates(),
      notPermitted: this.#notPermitted,
    }
  }

  /** Clears every timer it holds and refuses further calls. */
  close(): void {
    this.#closed = true
    this.#deadlines.clear()
    this.#listeners.clear()
  }

  /** Takes a permit or throws; true when the permit is a half-open trial. */
  #acquire(): boolean {
    this.#maybeHalfOpen()
    if (this.#state === 'closed') return false
    if (this.#state === 'half_open' && this.#trialPermits > 0) {
      this.#trialPermits--
      return true
    }
    this.#notPermitted++
    throw new BreakerOpenError(this.name)
  }

  #record(trial: boolean, failed: boolean, durationMs: number): void {
    const outcome = { failed, slow: durationMs > this.#o.slowCallDurationMs }
    if (trial) {
      if (this.#state !== 'half_open') return
      this.#trialResults.push(outcome)
      if (this.#trialResults.length < this.#o.halfOpenCalls) return
      const failures = this.#trialResults.filter((o) => o.failed).length / this.#trialResults.length
      const slow = this.#trialResults.filter((o) => o.slow).length / this.#trialResults.length
      if (failures >= this.#o.failureRateThreshold || slow >= this.#o.slowCallRateThreshold)
        this.#open()
      else this.#moveTo('closed')
      return
    }
    if (this.#state !== 'closed') return
    this.#window.add(outcome)
    const rates = this.#window.rates()
    if (rates.calls < this.#o.minimumCalls) return
    if (
      rates.failureRate >= this.#o.failureRateThreshold ||
      rates.slowRate >= this.#o.slowCallRateThreshold
    )
      this.#open()
  }

  #open(): void {
    this.#openedAt = this.#o.clock.now()
    this.#moveTo('open')
  }

  #maybeHalfOpen(): void {
    if (this.#state !== 'open') return
    if (this.#o.clock.now() - this.#openedAt < this.#o.openDurationMs) return
    this.#trialPermits = this.#o.halfOpenCalls
    this.#trialResults = []
    this.#moveTo('half_open')
  }

  #moveTo(to: BreakerState): void {
    const from = this.#state
    if (from === to) return
    this.#state = to
    if (to === 'closed') this.#window.reset()
    const transition = { breaker: this.name, from, to, at: this.#o.clock.now() }
    for (const listener of this.#listeners) listener(transition)
  }

  #withTimeout<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController()
    return new Promise<T>((resolve, reject) => {
      const deadline = this.#deadlines.add(() => {
        const error = new CallTimeoutError(this.name, this.#o.timeoutMs)
        controller.abort(error)
        reject(error)
      })
      call(controller.signal).then(
        (value) => {
          deadline.settle()
          resolve(value)
        },
        (error) => {
          deadline.settle()
          reject(error)
        },
      )
    })
  }
}
