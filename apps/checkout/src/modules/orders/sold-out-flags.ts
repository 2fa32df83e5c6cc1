import { type ApiErrorBody, errorBody } from '@flash/contracts'

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

const SOLD_OUT = { status: 409, body: errorBody('sold_out', 'this sale is sold out') }

/**
 * The sold-out answer before anything else runs: a POST /orders whose body
 * names an offer this process knows is empty gets 409 without verifying the
 * token or touching Redis (the service layer calls this for that route only,
 * see `answerEarly`). Telling anyone that a sale is sold out gives nothing
 * away (GET /sales/:id says as much); anything unusual in the body goes the
 * normal way, to be validated and answered properly.
 *
 * @example
 * refuseSoldOut(flags, { saleId, quantity: 1 }) // { status: 409, body } or undefined
 */
export function refuseSoldOut(
  flags: SoldOutFlags,
  body: unknown,
): { status: number; body: ApiErrorBody } | undefined {
  if (!body || typeof body !== 'object') return undefined
  const { saleId, productId } = body as { saleId?: unknown; productId?: unknown }
  const offerId =
    typeof saleId === 'string' ? saleId : typeof productId === 'string' ? productId : null
  return offerId !== null && flags.isSoldOut(offerId) ? SOLD_OUT : undefined
}
