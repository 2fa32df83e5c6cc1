import { err, errAsync, ok, type Result, ResultAsync } from 'neverthrow'
import type { SandboxError } from '../../errors.ts'
import type { Settings } from '../../settings.ts'
import { declines } from './decline.ts'
import type { Charge, ChargeBody, PaymentStats, RecordedCharge, Refund } from './model.ts'

/** Prices in shared/API.md are whole won. */
const DEFAULT_CURRENCY = 'KRW'

type ChargeRequest = Required<ChargeBody>
type Ledger = {
  /** The answer per Idempotency-Key, as a promise: set before the first await, it is the lock. */
  byKey: Map<string, { request: ChargeRequest; answer: Promise<Charge> }>
  /** Decided charges by id, in the order they were decided. */
  charges: Map<string, RecordedCharge>
}

/**
 * The stand-in payment provider's memory: charges once per idempotency key,
 * declines by `declines()`, refunds at most once, and answers 503 for
 * everything while `settings.outage` is on.
 *
 * @example
 * const payments = new Payments({ declineRate: 0, latencyMs: 0, outage: false, seed: '' })
 * await payments.charge({ orderId: 'o1', amount: 100 }, 'o1') // ok({ id, status: 'succeeded', ... })
 * await payments.charge({ orderId: 'o1', amount: 100 }, 'o1') // the same answer, no second charge
 */
export class Payments {
  #ledger: Ledger = emptyLedger()

  constructor(private readonly settings: Settings) {}

  charge(body: ChargeBody, key: string | undefined): ResultAsync<Charge, SandboxError> {
    if (!key) return errAsync({ type: 'IdempotencyKeyRequired' })
    if (this.settings.outage) return errAsync({ type: 'Outage' })
    const request = { ...body, currency: body.currency ?? DEFAULT_CURRENCY }
    const ledger = this.#ledger
    const held = ledger.byKey.get(key)
    if (held)
      return sameRequest(held.request, request)
        ? ResultAsync.fromSafePromise(held.answer)
        : errAsync({ type: 'IdempotencyKeyReused' })
    // Nothing awaits between get and set: a concurrent request with this key
    // finds this promise and waits for the same answer instead of charging.
    const answer = this.#decide(ledger, request, key, { ...this.settings })
    ledger.byKey.set(key, { request, answer })
    return ResultAsync.fromSafePromise(answer)
  }

  refund(id: string): ResultAsync<Refund, SandboxError> {
    if (this.settings.outage) return errAsync({ type: 'Outage' })
    const ledger = this.#ledger
    return ResultAsync.fromSafePromise(pause(this.settings.latencyMs)).andThen(
      (): Result<Refund, SandboxError> => {
        const charge = ledger.charges.get(id)
        if (!charge) return err({ type: 'PaymentNotFound', id })
        if (charge.status === 'declined') return err({ type: 'NotRefundable', id })
        // The first refund's time is kept: a repeat answers the same and records nothing.
        charge.refundedAt ??= new Date().toISOString()
        return ok({ id, status: 'refunded', refundedAt: charge.refundedAt })
      },
    )
  }

  /** Every decided charge, oldest first; only those of `orderId` when given. */
  list(orderId?: string): RecordedCharge[] {
    return [...this.#ledger.charges.values()]
      .filter((charge) => orderId === undefined || charge.orderId === orderId)
      .map((charge) => ({ ...charge }))
  }

  stats(): PaymentStats {
    const charges = [...this.#ledger.charges.values()]
    return {
      charges: charges.length,
      declines: charges.filter((charge) => charge.status === 'declined').length,
      refunds: charges.filter((charge) => charge.refundedAt !== null).length,
      distinctOrders: new Set(charges.map((charge) => charge.orderId)).size,
      // Keys accepted so far, decided or still waiting out the latency: tests use it to act mid-charge.
      received: this.#ledger.byKey.size,
    }
  }

  /** Forgets every payment; a charge still in flight lands in the old, dropped ledger. */
  reset(): number {
    const dropped = this.#ledger.charges.size
    this.#ledger = emptyLedger()
    return dropped
  }

  async #decide(
    ledger: Ledger,
    request: ChargeRequest,
    key: string,
    settings: Settings,
  ): Promise<Charge> {
    await pause(settings.latencyMs)
    const charge: Charge = {
      id: `pay_${Bun.randomUUIDv7()}`,
      ...request,
      status: declines(request.orderId, settings) ? 'declined' : 'succeeded',
      createdAt: new Date().toISOString(),
    }
    ledger.charges.set(charge.id, { ...charge, idempotencyKey: key, refundedAt: null })
    return charge
  }
}

function emptyLedger(): Ledger {
  return { byKey: new Map(), charges: new Map() }
}

function sameRequest(a: ChargeRequest, b: ChargeRequest): boolean {
  return a.orderId === b.orderId && a.amount === b.amount && a.currency === b.currency
}

async function pause(ms: number): Promise<void> {
  if (ms > 0) await Bun.sleep(ms)
}
