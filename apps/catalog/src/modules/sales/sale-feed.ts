import { readOfferState } from '@flash/redis'
import { ResultAsync } from 'neverthrow'
import type { CatalogDeps } from '../../deps.ts'
import type { SaleRow } from './read.ts'
import { type SaleStatus, saleStatus } from './status.ts'

/** What a listener of `GET /sales/:id/events` is told. */
export type SaleUpdate = { remaining: number; status: SaleStatus }

/** One open event stream, as the feed sees it. */
export type SaleListener = {
  /** A changed state; the first arrives as soon as the feed knows one. */
  update(update: SaleUpdate): void
  /** Nothing changed for a while: time for a keep-alive comment. */
  heartbeat(): void
  /** No more updates (the sale ended, or the process is stopping): close the stream. */
  end(): void
}

export type SaleFeedOptions = {
  /** How often the sale's Redis counter is read while anyone listens. */
  pollMs: number
  /** How often listeners get a keep-alive comment, so proxies keep the connection. */
  heartbeatMs: number
}

/** What a feed needs beyond its sale: the deps, the timing, and hooks for its registry. */
export type FeedContext = Pick<CatalogDeps, 'redis' | 'space' | 'now' | 'log'> &
  SaleFeedOptions & { counted: () => void; stopped: (feed: SaleFeed) => void }

/**
 * The live state of one sale for every listener at once: one Redis read per
 * tick (a GET per bucket of a split sale, summed), whatever the number of
 * listeners, fanned out to all of them when it changes. Reads are chained (the next is scheduled when the last answers),
 * so a slow Redis never piles reads up. The feed stops itself when its last
 * listener leaves, and ends every listener when the sale ends.
 *
 * @example
 * const feed = new SaleFeed(row, context)
 * const leave = feed.add({ update: send, heartbeat: ping, end: close })
 */
export class SaleFeed {
  readonly #listeners = new Set<SaleListener>()
  readonly #heartbeat: ReturnType<typeof setInterval>
  #next: ReturnType<typeof setTimeout> | undefined
  #last: SaleUpdate | undefined
  #failing = false
  #stopped = false

  constructor(
    readonly row: SaleRow,
    private readonly context: FeedContext,
  ) {
    this.#heartbeat = setInterval(() => this.#each((l) => l.heartbeat()), context.heartbeatMs)
    void this.#poll()
  }

  get listeners(): number {
    return this.#listeners.size
  }

  /** Adds a listener, told the current state at once if known; returns how it leaves. */
  add(listener: SaleListener): () => void {
    this.#listeners.add(listener)
    if (this.#last) listener.update(this.#last)
    return () => {
      if (this.#listeners.delete(listener) && this.#listeners.size === 0) this.#stop()
    }
  }

  /** Ends every listener and stops reading. */
  end(): void {
    this.#stop()
    const listeners = [...this.#listeners]
    this.#listeners.clear()
    for (const listener of listeners) listener.end()
  }

  async #poll(): Promise<void> {
    if (this.#stopped) return
    const update = await this.#read()
    if (this.#stopped) return
    if (update.remaining !== this.#last?.remaining || update.status !== this.#last.status) {
      this.#last = update
      this.#each((l) => l.update(update))
    }
    if (update.status === 'ended') return this.end()
    this.#next = setTimeout(() => void this.#poll(), this.context.pollMs)
  }

  /**
   * A Redis failure keeps the last known count (MySQL's before any) and is
   * logged once per outage, not once per tick.
   */
  async #read(): Promise<SaleUpdate> {
    const { redis, space, now, log, counted } = this.context
    counted()
    const read = await ResultAsync.fromPromise(
      readOfferState(redis, space, { kind: 'sale', id: this.row.id }, this.row.buckets),
      (cause) => cause,
    )
    const remaining = read.match(
      (state) => state?.remaining ?? this.row.remaining,
      () => this.#last?.remaining ?? this.row.remaining,
    )
    if (read.isErr() && !this.#failing)
      log(`[catalog] redis read failed for sale events ${this.row.id}: ${String(read.error)}`)
    this.#failing = read.isErr()
    return { remaining, status: saleStatus(this.row, remaining, now()) }
  }

  #stop(): void {
    if (this.#stopped) return
    this.#stopped = true
    clearTimeout(this.#next)
    clearInterval(this.#heartbeat)
    this.context.stopped(this)
  }

  /** Over a copy: a listener whose client is gone leaves while being told. */
  #each(tell: (listener: SaleListener) => void): void {
    for (const listener of [...this.#listeners]) tell(listener)
  }
}
