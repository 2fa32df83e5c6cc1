import type { Clock } from './clock.ts'

/** One call's deadline; `settle` it when the call ends, whichever way. */
export type Deadline = { settle(): void }

type Entry = { at: number; expire: (() => void) | undefined }

/**
 * The deadlines of calls that all get the same time, kept in one queue with
 * one timer. Calls end in about the order they began, so the queue stays as
 * short as the calls in flight, and the timer is armed once per wait rather
 * than set and cleared per call: under a stampede, a timer per call, each
 * holding its call's promise until cleared, cost the gateway more CPU than
 * the rest of its work on a request.
 *
 * @example
 * const deadlines = new Deadlines(systemClock, 1000)
 * const deadline = deadlines.add(() => controller.abort())
 * await call(controller.signal).finally(() => deadline.settle())
 */
export class Deadlines {
  readonly #queue: Entry[] = []
  #head = 0
  #timer: unknown

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  /** `expire` runs once, at the deadline, unless the call is settled first. */
  add(expire: () => void): Deadline {
    const entry: Entry = { at: this.clock.now() + this.timeoutMs, expire }
    this.#queue.push(entry)
    if (this.#timer === undefined) this.#arm(entry.at)
    return {
      settle: () => {
        entry.expire = undefined
        this.#dropSettled()
      },
    }
  }

  /** Stops the timer; calls still in flight never expire. */
  clear(): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#queue.length = 0
    this.#head = 0
  }

  #arm(at: number): void {
    this.#timer = this.clock.setTimeout(() => this.#fire(), Math.max(0, at - this.clock.now()))
  }

  #fire(): void {
    this.#timer = undefined
    const now = this.clock.now()
    while (this.#head < this.#queue.length) {
      const entry = this.#queue[this.#head] as Entry
      if (entry.expire !== undefined && entry.at > now) break
      this.#head++
      const expire = entry.expire
      entry.expire = undefined
      expire?.()
    }
    this.#compact()
    const next = this.#queue[this.#head]
    if (next) this.#arm(next.at)
  }

  /** Settled calls at the front leave at once, so they hold nothing until the timer comes. */
  #dropSettled(): void {
    while (this.#head < this.#queue.length && this.#queue[this.#head]?.expire === undefined)
      this.#head++
    this.#compact()
    // Otherwise the timer stays armed for a deadline that may have left: when
    // it fires it re-arms for the front, once per wait instead of once per call.
    if (this.#queue.length === 0 && this.#timer !== undefined) {
      this.clock.clearTimeout(this.#timer)
      this.#timer = undefined
    }
  }

  #compact(): void {
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0
      this.#head = 0
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head)
      this.#head = 0
    }
  }
}
