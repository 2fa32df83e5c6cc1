import { err, errAsync, ok, type Result, ResultAsync } from 'neverthrow'
import type { SandboxError } from '../../errors.ts'
import type { ScriptedCharge, Settings } from '../../settings.ts'
import { happens } from './chance.ts'
import type { Charge, ChargeBody, PaymentStats, RecordedCharge, Refund } from './model.ts'

/** Prices in shared/API.md are whole won. */
const DEFAULT_CURRENCY = 'KRW'

type ChargeRequest = Required<ChargeBody>
/** How one charge request ends: the charge, or a refusal of the request itself. */
type Decision = Result<Charge, SandboxError>
type Ledger = {
  /** The decision per Idempotency-Key, as a promise: set before the first await, it is the lock. */
  byKey: Map<string, { request: ChargeRequest; decision: Promise<Decision> }>
  /** Charges by id, in the order they arrived; `processing` until decided. */
  charges: Map<string, RecordedCharge>
}

/** A charge's answer, and whether the connection drops instead of carrying it (first answer only). */
export type ChargeAnswer = { charge: Charge; loseAnswer: boolean }

/**
 * The stand-in payment provider's memory. It behaves as a real provider does
 * where the worker must cope: a charge is recorded `processing` the moment it
 * arrives (a lookup finds it, never "not found" while it is in flight), is
 * decided once per idempotency key (a repeat waits for and answers the same
 * decision), may be declined, refused as invalid (422, nothing charged), or
 * made with its answer lost on the way back; refunds happen at most once,
 * and everything answers 503 while `settings.outage` is on. Each charge's
 * fate comes from `settings.next` when a test scripted it, else from the rates.
 *
 * @example
 * const payments = new Payments({ ...calmSettings })
 * await payments.charge({ orderId: 'o1', amount: 100 }, 'o1') // ok({ charge: { id, status: 'succeeded', ... }, loseAnswer: false })
 * await payments.charge({ orderId: 'o1', amount: 100 }, 'o1') // the same charge, no second one
 */
export class Payments {
  #ledger: Ledger = emptyLedger()

  constructor(private readonly settings: Settings) {}

  charge(body: ChargeBody, key: string | undefined): ResultAsync<ChargeAnswer, SandboxError> {
    if (!key) return errAsync({ type: 'IdempotencyKeyRequired' })
    if (this.settings.outage) return errAsync({ type: 'Outage' })
    const request = { ...body, currency: body.currency ?? DEFAULT_CURRENCY }
    const ledger = this.#ledger
    const held = ledger.byKey.get(key)
    if (held)
      return sameRequest(held.request, request)
        ? answerOf(held.decision, false)
        : errAsync({ type: 'IdempotencyKeyReused' })
    const fate = this.settings.next.shift() ?? this.#draw(request.orderId)
    // Nothing awaits between get and set: a concurrent request with this key
    // finds this promise and waits for the same decision instead of charging.
    const decision = this.#decide(ledger, request, key, fate)
    ledger.byKey.set(key, { request, decision })
    return answerOf(decision, fate.loseAnswer === true)
  }

  refund(id: string): ResultAsync<Refund, SandboxError> {
    if (this.settings.outage) return errAsync({ type: 'Outage' })
    const ledger = this.#ledger
    return ResultAsync.fromSafePromise(pause(this.settings.latencyMs)).andThen(
      (): Result<Refund, SandboxError> => {
        const charge = ledger.charges.get(id)
        if (!charge) return err({ type: 'PaymentNotFound', id })
        if (charge.status !== 'succeeded')
          return err({ type: 'NotRefundable', id, status: charge.status })
        // The first refund's time is kept: a repeat answers the same and records nothing.
        charge.refundedAt ??= new Date().toISOString()
        return ok({ id, status: 'refunded', refundedAt: charge.refundedAt })
      },
    )
  }

  /** Every charge, oldest first, those in flight as `processing`; only those of `orderId` when given. */
  list(orderId?: string): RecordedCharge[] {
    return [...this.#ledger.charges.values()]
      .filter((charge) => orderId === undefined || charge.orderId === orderId)
      .map((charge) => ({ ...charge }))
  }

  stats(): PaymentStats {
    const charges = [...this.#ledger.charges.values()].filter((c) => c.status !== 'processing')
    return {
      charges: charges.length,
      declines: charges.filter((charge) => charge.status === 'declined').length,
      refunds: charges.filter((charge) => charge.refundedAt !== null).length,
      distinctOrders: new Set(charges.map((charge) => charge.orderId)).size,
      // Keys accepted so far, decided or still in flight: tests use it to act mid-charge.
      received: this.#ledger.byKey.size,
    }
  }

  /** Forgets every payment; a charge still in flight lands in the old, dropped ledger. */
  reset(): number {
    const dropped = this.#ledger.charges.size
    this.#ledger = emptyLedger()
    return dropped
  }

  #draw(orderId: string): ScriptedCharge {
    const { rejectRate, declineRate, lostAnswerRate, seed } = this.settings
    const outcome = happens('reject', orderId, rejectRate, seed)
      ? 'rejected'
      : happens('decline', orderId, declineRate, seed)
        ? 'declined'
        : 'succeeded'
    return { outcome, loseAnswer: happens('lose', orderId, lostAnswerRate, seed) }
  }

  async #decide(
    ledger: Ledger,
    request: ChargeRequest,
    key: string,
    fate: ScriptedCharge,
  ): Promise<Decision> {
    const delayMs = fate.delayMs ?? this.settings.latencyMs
    if (fate.outcome === 'rejected') {
      await pause(delayMs)
      return err({ type: 'ChargeRejected' })
    }
    const charge: RecordedCharge = {
      id: `pay_${Bun.randomUUIDv7()}`,
      ...request,
      status: 'processing',
      createdAt: new Date().toISOString(),
      idempotencyKey: key,
      refundedAt: null,
    }
    ledger.charges.set(charge.id, charge)
    await pause(delayMs)
    charge.status = fate.outcome
    const { idempotencyKey: _, refundedAt: __, ...answer } = charge
    return ok({ ...answer, status: fate.outcome })
  }
}

function answerOf(
  decision: Promise<Decision>,
  loseAnswer: boolean,
): ResultAsync<ChargeAnswer, SandboxError> {
  return ResultAsync.fromSafePromise(decision).andThen((decided) =>
    decided.map((charge) => ({ charge, loseAnswer })),
  )
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
