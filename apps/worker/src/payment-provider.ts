import { BreakerOpenError, type CircuitBreaker } from '@flash/breaker'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'

export type Charge = { id: string; status: 'succeeded' | 'declined' }

/** A charge as a lookup finds it: `processing` while the provider has not decided it. */
export type FoundCharge = {
  id: string
  amount: number
  status: 'processing' | 'succeeded' | 'declined'
  refunded: boolean
  refundedAt: Date | null
}

/**
 * - Unanswered: no answer (down, 5xx, timed out, connection lost, breaker
 *   open). Whether a charge asked for was made is unknown: ask again, never
 *   guess. `down` when the provider as a whole is (breaker open, connection
 *   refused, a 5xx) rather than this one call having lost its answer.
 * - Refused: a 4xx, the provider's final word on this request (an invalid
 *   charge, a refund of something not refundable). Retrying changes nothing.
 */
export type ProviderError =
  | { type: 'Unanswered'; detail: string; down: boolean }
  | { type: 'Refused'; status: number; detail: string }

/**
 * The payment provider's HTTP API (in development and tests, apps/sandbox),
 * every call through a circuit breaker: while the provider is down, calls
 * are refused at once instead of piling up, and the events wait.
 * The order id is the charge's idempotency key: asking twice never charges
 * twice, and the second answer is the first one again, which is how an
 * unknown outcome is learnt.
 *
 * @example
 * const provider = paymentProvider('http://127.0.0.1:3010', new CircuitBreaker({ name: 'payment-provider', timeoutMs: 2000 }))
 * await provider.charge(orderId, 49_000) // ok({ id, status: 'succeeded' })
 */
export function paymentProvider(baseUrl: string, breaker: CircuitBreaker) {
  /** One call: its JSON body on a 2xx, Refused on a 4xx, Unanswered otherwise. */
  const call = (
    path: string,
    init: { method: 'GET' } | { method: 'POST'; body: object; idempotencyKey: string },
  ): ResultAsync<Record<string, unknown>, ProviderError> =>
    ResultAsync.fromPromise(
      breaker.run(async (signal) => {
        const response = await fetch(`${baseUrl}${path}`, {
          method: init.method,
          headers:
            init.method === 'POST'
              ? { 'content-type': 'application/json', 'idempotency-key': init.idempotencyKey }
              : undefined,
          body: init.method === 'POST' ? JSON.stringify(init.body) : undefined,
          signal,
        })
        // A 5xx is the provider failing: the breaker counts it. A 4xx is an answer.
        if (response.status >= 500) throw new Error(`${path} answered ${response.status}`)
        // Read inside the breaker's time limit: an answer cut off mid-body is no answer.
        const body = (await response.json().catch(() => null)) as Record<string, unknown> | null
        if (response.ok && !body) throw new Error(`${path} answered an unreadable body`)
        return { status: response.status, body: body ?? {} }
      }),
      (cause): ProviderError => ({
        type: 'Unanswered',
        detail: String(cause),
        down: isDown(cause),
      }),
    ).andThen(({ status, body }) =>
      status < 300
        ? okAsync(body)
        : errAsync<Record<string, unknown>, ProviderError>({
            type: 'Refused',
            status,
            detail: `${path} answered ${status}: ${JSON.stringify(body).slice(0, 200)}`,
          }),
    )

  return {
    charge(orderId: string, amount: number): ResultAsync<Charge, ProviderError> {
      return call('/payments', {
        method: 'POST',
        body: { orderId, amount },
        idempotencyKey: orderId,
      }).andThen((body) =>
        (body.status === 'succeeded' || body.status === 'declined') && typeof body.id === 'string'
          ? okAsync<Charge, ProviderError>({ id: body.id, status: body.status })
          : errAsync({
              type: 'Unanswered' as const,
              detail: 'unexpected charge answer',
              down: false,
            }),
      )
    },
    /** Refunds a succeeded charge; asking again answers the same refund. */
    refund(chargeId: string): ResultAsync<{ refundedAt: Date }, ProviderError> {
      return call(`/payments/${encodeURIComponent(chargeId)}/refund`, {
        method: 'POST',
        body: {},
        idempotencyKey: `refund:${chargeId}`,
      }).map((body) => ({ refundedAt: new Date(String(body.refundedAt)) }))
    },
    /**
     * The charge made for an order, if any, without making one: an order that
     * can no longer be paid must not keep a charge, and one in flight must be
     * waited for.
     */
    find(orderId: string): ResultAsync<FoundCharge | null, ProviderError> {
      return call(`/payments?orderId=${encodeURIComponent(orderId)}`, { method: 'GET' }).map(
        (body) => {
          const items = (body.items ?? []) as {
            id: string
            amount: number
            status: FoundCharge['status']
            refundedAt: string | null
          }[]
          const first = items[0]
          if (!first) return null
          return {
            id: first.id,
            amount: first.amount,
            status: first.status,
            refunded: first.refundedAt !== null,
            refundedAt: first.refundedAt === null ? null : new Date(first.refundedAt),
          }
        },
      )
    },
  }
}

export type PaymentProvider = ReturnType<typeof paymentProvider>

/** The provider is down, not just this call: nothing was sent, or it said it cannot serve. */
function isDown(cause: unknown): boolean {
  if (cause instanceof BreakerOpenError) return true
  const code = (cause as { code?: unknown })?.code
  if (code === 'ECONNREFUSED' || code === 'ConnectionRefused') return true
  return cause instanceof Error && /answered 5\d\d/.test(cause.message)
}
