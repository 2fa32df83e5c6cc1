import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { CatalogDeps } from '../../deps.ts'
import type { CatalogError } from '../../errors.ts'
import { isId } from '../../shared/ids.ts'
import { loadSale, type SaleRow } from './read.ts'
import { SaleFeed, type SaleFeedOptions, type SaleListener } from './sale-feed.ts'

/**
 * The defaults of `SALE_EVENTS_POLL_MS` and `SALE_EVENTS_HEARTBEAT_MS`.
 *
 * @example
 * new SaleFeeds(deps, { ...defaultFeedOptions, pollMs: 100 })
 */
export const defaultFeedOptions: SaleFeedOptions = { pollMs: 250, heartbeatMs: 15_000 }

/**
 * The in-process hub of `GET /sales/:id/events`: at most one feed per sale,
 * created by its first listener and gone with its last, so Redis sees one
 * read per sale per tick however many clients watch it, and nothing for a
 * sale nobody watches. The first listener of a sale costs one MySQL read
 * (its window); later ones cost nothing and get the current state at once.
 *
 * @example
 * const feeds = new SaleFeeds(deps, defaultFeedOptions)
 * const leave = await feeds.subscribe(saleId, listener) // ok(leave) or err(SaleNotFound)
 */
export class SaleFeeds {
  readonly #feeds = new Map<string, SaleFeed>()
  /** Sales whose row is being read, so a burst of first listeners reads it once. */
  readonly #loading = new Map<string, ResultAsync<SaleRow, CatalogError>>()
  #polls = 0
  #closed = false

  constructor(
    private readonly deps: CatalogDeps,
    private readonly options: SaleFeedOptions,
  ) {}

  /**
   * Adds a listener to the sale's feed; returns how it leaves.
   *
   * @example
   * (await feeds.subscribe(id, listener)).map((leave) => signal.onabort = leave)
   */
  subscribe(saleId: string, listener: SaleListener): ResultAsync<() => void, CatalogError> {
    if (this.#closed) return errAsync({ type: 'ShuttingDown' })
    const open = this.#feeds.get(saleId)
    if (open) return okAsync(open.add(listener))
    if (!isId(saleId)) return errAsync({ type: 'SaleNotFound' })
    return this.#load(saleId).andThen((row) => {
      // Checked again: the process may have begun stopping while the row was read.
      if (this.#closed) return errAsync({ type: 'ShuttingDown' } as const)
      const feed = this.#feeds.get(saleId) ?? this.#start(row)
      return okAsync(feed.add(listener))
    })
  }

  /**
   * Sales being watched, their listeners, and Redis reads made since start.
   *
   * @example
   * feeds.stats() // { sales: 1, listeners: 50, polls: 12 }
   */
  stats(): { sales: number; listeners: number; polls: number } {
    let listeners = 0
    for (const feed of this.#feeds.values()) listeners += feed.listeners
    return { sales: this.#feeds.size, listeners, polls: this.#polls }
  }

  /**
   * Ends every stream and refuses new ones. Call before the server's
   * `stop()`, which waits for open requests and would wait for streams forever.
   *
   * @example
   * feeds.close()
   * await app.stop()
   */
  close(): void {
    this.#closed = true
    for (const feed of [...this.#feeds.values()]) feed.end()
  }

  #load(saleId: string): ResultAsync<SaleRow, CatalogError> {
    const pending = this.#loading.get(saleId)
    if (pending) return pending
    const loading = loadSale(this.deps, saleId)
    this.#loading.set(saleId, loading)
    void loading.then(() => this.#loading.delete(saleId))
    return loading
  }

  #start(row: SaleRow): SaleFeed {
    const feed = new SaleFeed(row, {
      ...this.deps,
      ...this.options,
      counted: () => {
        this.#polls++
      },
      stopped: (stopped) => {
        if (this.#feeds.get(row.id) === stopped) this.#feeds.delete(row.id)
      },
    })
    this.#feeds.set(row.id, feed)
    return feed
  }
}
