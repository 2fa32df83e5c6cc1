import type { MetricFamily } from '@flash/http'
import type { ReserveOutcome, ReserveRefusal } from '@flash/redis'

/** Every answer `reserve` gives an order: the script's codes, and Redis not answering. */
export type ReserveAnswer = ReserveOutcome['type'] | ReserveRefusal['type']

/**
 * The `outcome` label of each answer: API.md's error code where the answer
 * has one of its own. `idempotency_key_in_use` is not among them: one script
 * decides a request whole, so a key is never in flight (README).
 */
const LABELS: Record<ReserveAnswer, string> = {
  Placed: 'placed',
  Replayed: 'replayed',
  SoldOut: 'sold_out',
  LimitReached: 'limit_reached',
  NotStarted: 'sale_not_started',
  Ended: 'sale_ended',
  IdempotencyKeyReused: 'idempotency_key_reused',
  RateLimited: 'rate_limited',
  TokenRevoked: 'token_revoked',
  OfferNotFound: 'not_found',
  Recovering: 'recovering',
  Rebalancing: 'rebalancing',
  RedisUnavailable: 'unavailable',
}

/**
 * How the orders this process took to Redis ended, by answer: one property
 * increment per order on the hot path. The sold-out shortcut counts its
 * answers here too, as `sold_out`: it answers only what the script would
 * have, so the counts read the same with or without it.
 *
 * @example
 * const outcomes = new ReserveOutcomes()
 * outcomes.count('SoldOut')
 * outcomes.family() // checkout_reserve_outcomes_total{outcome="sold_out"} 1, the others 0
 */
export class ReserveOutcomes {
  readonly #counts = Object.fromEntries(Object.keys(LABELS).map((answer) => [answer, 0])) as Record<
    ReserveAnswer,
    number
  >

  count(answer: ReserveAnswer): void {
    this.#counts[answer]++
  }

  family(): MetricFamily {
    return {
      name: 'checkout_reserve_outcomes_total',
      type: 'counter',
      help: 'Orders the reserve script (or the sold-out shortcut, for the same answer) decided, by outcome.',
      samples: (Object.keys(LABELS) as ReserveAnswer[]).map((answer) => ({
        labels: { outcome: LABELS[answer] },
        value: this.#counts[answer],
      })),
    }
  }
}
