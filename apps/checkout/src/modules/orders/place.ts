import {
  type Offer,
  type ReserveOutcome,
  type ReserveRefusal,
  requestFingerprint,
  reserve,
} from '@flash/redis'
import { errAsync, type Result, ResultAsync } from 'neverthrow'
import type { CheckoutDeps } from '../../deps.ts'
import type { CheckoutError } from '../../errors.ts'
import type { PlaceBody } from './model.ts'

/**
 * The hot path: one Redis round trip and no MySQL. The order reaches MySQL
 * through the order-writer. (The crowd after a sell-out is mostly answered
 * before this runs, by `soldOutShortcut`.)
 *
 * @example
 * await placeOrder(deps, { userId, clientId: '203.0.113.7' }, { saleId, quantity: 1 }, 'key-1')
 */
export function placeOrder(
  deps: CheckoutDeps,
  caller: { userId: string; clientId: string; tokenId: string; tokenIssuedAt: number },
  body: PlaceBody,
  idempotencyKey: string | undefined,
): ResultAsync<Placed, CheckoutError> {
  if (!idempotencyKey) return errAsync({ type: 'IdempotencyKeyRequired' })
  const offer = offerOf(body)
  if (!offer) return errAsync({ type: 'InvalidOffer' })

  const reserved = reserve(deps.redis, deps.space, {
    offer,
    orderId: Bun.randomUUIDv7(),
    userId: caller.userId,
    token: { tokenId: caller.tokenId, issuedAt: caller.tokenIssuedAt },
    quantity: body.quantity,
    // Same key and same body replay; same key and another body is refused.
    fingerprint: requestFingerprint(offer, body.quantity),
    idempotencyKey,
    idempotencyTtlSeconds: deps.idempotencyTtlSeconds,
    orderTtlSeconds: deps.orderStateTtlSeconds,
    rate: deps.rateLimits ? { clientId: caller.clientId, ...deps.rateLimits } : undefined,
  })
  return new ResultAsync(answerOf(deps, offer, reserved))
}

type Placed = { orderId: string; replayed: boolean }

/**
 * The script's answer in checkout's terms, counted and remembered. Plain
 * Results inside one ResultAsync, as `reserve` does it (see there why).
 */
async function answerOf(
  deps: CheckoutDeps,
  offer: Offer,
  reserved: ResultAsync<ReserveOutcome, ReserveRefusal>,
): Promise<Result<Placed, CheckoutError>> {
  return (await reserved)
    .map((outcome) => {
      deps.reserveOutcomes.count(outcome.type)
      if (outcome.type === 'Placed') {
        // Stock came back (a cancel elsewhere): this process need not read before reserving now.
        deps.soldOut.clear(offer.id)
        deps.lostOrders.accepted.remember(outcome.orderId, outcome.partition)
      }
      return { orderId: outcome.orderId, replayed: outcome.type === 'Replayed' }
    })
    .mapErr((refusal): CheckoutError => {
      deps.reserveOutcomes.count(refusal.type)
      switch (refusal.type) {
        case 'SoldOut':
          if (refusal.remaining === 0) deps.soldOut.markSoldOut(offer.id)
          return { type: 'SoldOut', offer, remaining: refusal.remaining }
        case 'OfferNotFound':
          return { type: 'OfferNotFound', offer }
        case 'Rebalancing':
          return { type: 'Rebalancing' }
        case 'Recovering':
          // Redis lost or rolled back this partition's data: once it is rebuilt, the
          // orders this process accepted there are checked against MySQL.
          deps.lostOrders.noteRecovering(refusal.partition)
          return refusal
        case 'RedisUnavailable':
          return { type: 'Unavailable', cause: refusal.cause }
        default:
          return refusal
      }
    })
}

/** The one offer a body names, or null when it names none or both. */
export function offerOf(body: PlaceBody): Offer | null {
  if (body.saleId && !body.productId) return { kind: 'sale', id: body.saleId }
  if (body.productId && !body.saleId) return { kind: 'product', id: body.productId }
  return null
}
