import { treaty } from '@elysiajs/eden'
import type { CheckoutApp } from '@flash/app-checkout/app'
import { type BreakerOptions, CircuitBreaker } from '@flash/breaker'
import type { OrderStatus } from '@flash/contracts'

/** An order as checkout's internal route lists it. */
export type RecentOrder = {
  id: string
  status: OrderStatus
  items: { productId: string; saleId: string | null; quantity: number; unitPrice: number }[]
  total: number
  createdAt: string
  updatedAt: string
}

/** A buyer's latest orders, or `available: false` (and none) when checkout cannot say. */
export type RecentOrders = (
  userId: string,
) => Promise<{ orders: RecentOrder[]; available: boolean }>

/** Checkout answered, but refused this request (4xx): checkout is fine, the call was wrong. */
class CheckoutRefused extends Error {
  constructor(readonly status: number) {
    super(`checkout refused the call with ${status}`)
  }
}

export type CheckoutOrdersOptions = {
  url: string
  /** The service credential checkout's internal routes require. */
  serviceToken: string
  /** How many of the latest orders to ask for. */
  limit?: number
  /** Per call site, over the defaults of issue 5 (window 10, min 10, 50%, 3 trials, 1 s). */
  breaker?: Partial<Omit<BreakerOptions, 'name' | 'isFailure'>>
}

/**
 * Reads a buyer's recent orders from checkout's internal route with the
 * typed Eden client, through a circuit breaker: while checkout fails (a 5xx,
 * no answer, or none within the timeout) the breaker opens and callers get
 * the fallback at once instead of waiting on a dead app. A 4xx is not
 * counted: it says checkout is up and the call was wrong.
 *
 * @example
 * const { recentOrders, breaker } = checkoutRecentOrders({ url: 'http://127.0.0.1:3003', serviceToken })
 * breaker.onTransition((t) => console.log(`${t.from} -> ${t.to}`))
 * await recentOrders(userId) // { orders: [...], available: true }
 */
export function checkoutRecentOrders(options: CheckoutOrdersOptions): {
  recentOrders: RecentOrders
  breaker: CircuitBreaker
} {
  const checkout = treaty<CheckoutApp>(options.url, {
    headers: { 'x-service-token': options.serviceToken },
  })
  const breaker = new CircuitBreaker({
    name: 'checkout',
    windowSize: 10,
    minimumCalls: 10,
    failureRateThreshold: 0.5,
    openDurationMs: 10_000,
    halfOpenCalls: 3,
    timeoutMs: 1_000,
    ...options.breaker,
    isFailure: (error) => !(error instanceof CheckoutRefused),
  })
  const limit = options.limit ?? 5
  const fallback = (): Awaited<ReturnType<RecentOrders>> => ({ orders: [], available: false })

  const recentOrders: RecentOrders = (userId) =>
    breaker.runOr(async (signal): ReturnType<RecentOrders> => {
      const reply = await checkout.internal
        .users({ userId })
        .orders.get({ query: { limit }, fetch: { signal } })
      if (reply.error) {
        // Eden answers a connection failure as status 503, like a 5xx: checkout failing.
        if (reply.status >= 500) throw new Error(`checkout answered ${reply.status}`)
        throw new CheckoutRefused(reply.status)
      }
      return { orders: reply.data.items, available: true }
    }, fallback)

  return { recentOrders, breaker }
}
