/**
 * Remembers, in this process only, which offers Redis last reported empty:
 * requests for them are the ones `soldOutShortcut` tries to answer with a
 * read instead of the reserve script. The read sees the stock itself, so a
 * flag never keeps a unit that came back off sale; after `ttlMs` the next
 * request goes to the script again, which flags the offer anew if it is
 * still empty.
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

  /** Stock came back (a cancel through this process, or an order placed): reserve at once again. */
  clear(offerId: string): void {
    this.#until.delete(offerId)
  }

  markSoldOut(offerId: string): void {
    if (this.ttlMs > 0) this.#until.set(offerId, this.now() + this.ttlMs)
  }
}
