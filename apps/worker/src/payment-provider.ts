import type { CircuitBreaker } from '@flash/breaker'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'

export type Charge = { id: string; status: 'succeeded' | 'declined' }
export type ProviderError = { type: 'ProviderUnavailable'; detail: string }

/**
 * The payment provider's HTTP API (in development and tests, apps/sandbox),
 * every call through a circuit breaker: while the provider is down, calls
 * are refused at once instead of piling up, and the events wait.
 * The order id is the idempotency key: asking twice never charges twice, and
 * the second answer is the first one again. "Unavailable" (down, timed out,
 * breaker open) means we do not know the outcome; the caller retries later
 * and never guesses.
 *
 * @example
 * const provider = paymentProvider('http://127.0.0.1:3010', new CircuitBreaker({ name: 'payment-provider', timeoutMs: 2000 }))
 * await provider.charge(orderId, 49_000) // ok({ id, status: 'succeeded' })
 */
export function paymentProvider(baseUrl: string, breaker: CircuitBreaker) {
  const call = (path: string, body: object, idempotencyKey: string) =>
    ResultAsync.fromPromise(
      breaker.run(async (signal) => {
        const response = await fetch(`${baseUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
          body: JSON.stringify(body),
          signal,
        })
        // A 5xx is the provider failing; the breaker counts it. A 4xx is our mistake.
        if (response.status >= 500) throw new Error(`${path} answered ${response.status}`)
        return response
      }),
      (cause): ProviderError => ({ type: 'ProviderUnavailable', detail: String(cause) }),
    ).andThen((response) =>
      response.ok
        ? ResultAsync.fromPromise(
            response.json() as Promise<Record<string, unknown>>,
            (cause): ProviderError => ({ type: 'ProviderUnavailable', detail: String(cause) }),
          )
        : errAsync<Record<string, unknown>, ProviderError>({
            type: 'ProviderUnavailable',
            detail: `${path} answered ${response.status}`,
          }),
    )

  return {
    charge(orderId: string, amount: number): ResultAsync<Charge, ProviderError> {
      return call('/payments', { orderId, amount }, orderId).andThen((body) =>
        (body.status === 'succeeded' || body.status === 'declined') && typeof body.id === 'string'
          ? okAsync<Charge, ProviderError>({ id: body.id, status: body.status })
          : errAsync({ type: 'ProviderUnavailable' as const, detail: 'unexpected charge answer' }),
      )
    },
    refund(chargeId: string): ResultAsync<void, ProviderError> {
      return call(`/payments/${chargeId}/refund`, {}, `refund:${chargeId}`).map(() => undefined)
    },
    /**
     * The charge already made for an order, if any, without making one: after
     * a crash, an order that failed meanwhile must not keep a charge.
     */
    find(orderId: string): ResultAsync<(Charge & { refunded: boolean }) | null, ProviderError> {
      const lookup = breaker.run(async (signal) => {
        const response = await fetch(`${baseUrl}/payments?orderId=${encodeURIComponent(orderId)}`, {
          signal,
        })
        if (!response.ok) throw new Error(`/payments?orderId answered ${response.status}`)
        return (await response.json()) as {
          items: { id: string; status: 'succeeded' | 'declined'; refundedAt: string | null }[]
        }
      })
      return ResultAsync.fromPromise(
        lookup,
        (cause): ProviderError => ({ type: 'ProviderUnavailable', detail: String(cause) }),
      ).map(({ items }) => {
        const first = items[0]
        return first
          ? { id: first.id, status: first.status, refunded: first.refundedAt !== null }
          : null
      })
    },
  }
}

export type PaymentProvider = ReturnType<typeof paymentProvider>
