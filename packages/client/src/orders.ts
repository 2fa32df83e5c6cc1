import type { Result } from 'neverthrow'
import { settle } from './answers.ts'
import type { Api } from './api.ts'
import type { ApiError } from './errors.ts'
import type { Order, Page, PlacedOrder } from './types.ts'

/** What a buyer means to buy: a flash sale's units, or a product at its list price. */
export type PurchaseIntent =
  | { saleId: string; productId?: never; quantity: number }
  | { productId: string; saleId?: never; quantity: number }

/**
 * One purchase intent and the one `Idempotency-Key` it was given when it was
 * made. `place()` sends it; after a network error, a timeout, a 429 or a 503
 * it may be called again, and every try carries the same key, so the server
 * takes the order at most once and answers every retry with the first
 * answer. A call while one is in flight waits for that one.
 */
export type Purchase = {
  readonly key: string
  readonly intent: Readonly<PurchaseIntent>
  place(): Promise<Result<PlacedOrder, ApiError>>
}

export type Orders = {
  /**
   * A purchase intent with a fresh key. Make one per press of "buy", not one per try.
   *
   * @example
   * const purchase = client.orders.purchase({ saleId, quantity: 1 })
   * let placed = await purchase.place()
   * if (placed.isErr() && isRetryable(placed.error)) placed = await purchase.place() // same key
   */
  purchase(intent: PurchaseIntent): Purchase
  get(id: string): Promise<Result<Order, ApiError>>
  list(page?: { cursor?: string; limit?: number }): Promise<Result<Page<Order>, ApiError>>
  /** Cancels before shipping starts; a charge is refunded (`payment.status` says when). */
  cancel(id: string): Promise<Result<Order, ApiError>>
  /** Asks to return a delivered order inside the return window. */
  requestReturn(id: string): Promise<Result<Order, ApiError>>
  /** The same as `requestReturn`. */
  return(id: string): Promise<Result<Order, ApiError>>
}

/**
 * The buyer's orders through the gateway; every call carries the session's token.
 *
 * @example
 * const orders = ordersOf(api, 15_000)
 * const order = await orders.get(orderId)
 */
export function ordersOf(api: Pick<Api, 'checkout'>, timeoutMs: number): Orders {
  const { orders } = api.checkout
  const requestReturn = async (id: string) =>
    settle(orders({ id }).return.post(), 'json', timeoutMs)
  return {
    purchase(intent) {
      // A copy: the body sent under the key must never change (422 idempotency_key_reused).
      const body =
        intent.saleId !== undefined
          ? { saleId: intent.saleId, quantity: intent.quantity }
          : { productId: intent.productId, quantity: intent.quantity }
      const key = crypto.randomUUID()
      let inFlight: Promise<Result<PlacedOrder, ApiError>> | undefined
      return {
        key,
        intent: Object.freeze({ ...intent }),
        place() {
          inFlight ??= settle(
            orders.post(body, { headers: { 'idempotency-key': key } }),
            'json',
            timeoutMs,
          ).finally(() => {
            inFlight = undefined
          })
          return inFlight
        },
      }
    },
    get: async (id) => settle(orders({ id }).get(), 'json', timeoutMs),
    list: async (page = {}) => settle(orders.get({ query: page }), 'json', timeoutMs),
    cancel: async (id) => settle(orders({ id }).cancel.post(), 'json', timeoutMs),
    requestReturn,
    return: requestReturn,
  }
}
