/**
 * Remembers, in this process only, which offers Redis last reported empty, so
 * the stampede after a sell-out is answered without a round trip. A flag
 * lives `ttlMs` and then the next request asks Redis again: stock that comes
 * back (a cancel, a failed payment) is on sale again within that time.
 */
export class SoldOutFlags {
  readonly #until = new Map<string, number>()

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  isSoldOut(offerId: string): boolean {
    const until = this.#until.get(offerId)
    if (until === undefined) return false
    if (this.now() < until) return true
    this.#until.delete(offerId)
    return false
  }

  /** Stock came back through this process (a cancel): sell again at once. */
  clear(offerId: string): void {
    this.#until.delete(offerId)
  }

  markSoldOut(offerId: string): void {
    if (this.ttlMs > 0) this.#until.set(offerId, this.now() + this.ttlMs)
  }
}
