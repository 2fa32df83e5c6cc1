import { err, ok, type Result, ResultAsync } from 'neverthrow'
import type { RedisClient } from './client.ts'
import {
  buyerOfferKeys,
  generationKey,
  idempotencyKey,
  type KeySpace,
  type Offer,
  orderKey,
  rateKey,
  revocationKeys,
  streamKey,
} from './keys.ts'
import { batchesOf, type OrderReply } from './reserve-batches.ts'
import { ReserveCode } from './script-codes.ts'

export type ReserveInput = {
  offer: Offer
  orderId: string
  userId: string
  quantity: number
  /** Hash of the request body: a replay must carry the same one. */
  fingerprint: string
  idempotencyKey: string
  idempotencyTtlSeconds: number
  orderTtlSeconds: number
  /** The caller's access token, checked against logout in the same call (omit for trusted callers). */
  token?: { tokenId: string; issuedAt: number }
  /** Who is calling from where, and how many attempts a window allows each (0 = no limit; the default). */
  rate?: { clientId: string; perBuyer: number; perClient: number; windowSeconds: number }
}

export type ReserveOutcome =
  /** `partition`: where the order lives (a bucketed sale's: the buyer's bucket's). */
  | { type: 'Placed'; orderId: string; remaining: number; partition: number }
  | { type: 'Replayed'; orderId: string }

export type ReserveRefusal =
  | { type: 'OfferNotFound' }
  | { type: 'NotStarted' }
  | { type: 'Ended' }
  | { type: 'LimitReached' }
  | { type: 'SoldOut'; remaining: number }
  /** The buyer's bucket of a bucketed sale is short while others hold units: ask again in a second. */
  | { type: 'Rebalancing'; remaining: number }
  | { type: 'IdempotencyKeyReused' }
  | { type: 'RateLimited'; retryAfterSeconds: number }
  | { type: 'TokenRevoked' }
  /** The partition is being rebuilt from MySQL (or checked against it): ask again in a second. */
  | { type: 'Recovering'; partition: number }
  | { type: 'RedisUnavailable'; cause: unknown }

/**
 * Places one order through reserve-orders.lua: the whole decision of the
 * hot path in one round trip. Orders for one partition that arrive in the same
 * turn of the event loop share that round trip and that script call, each
 * still decided on its own and in arrival order (see `ReserveBatches`).
 *
 * A bucketed sale is decided in the buyer's bucket (`buyerOfferKeys`), which
 * needs the sale's bucket count: the first order a process places for such
 * a sale goes to its own partition, which answers WrongBuckets with the
 * count, and is sent once more to the buyer's bucket; the count is kept
 * (`knownBuckets`) since a sale's never changes.
 *
 * @example
 * const result = await reserve(redis, space, { offer: { kind: 'sale', id }, ... })
 * result.match((ok) => ok.orderId, (refusal) => refusal.type)
 */
export function reserve(
  redis: RedisClient,
  space: KeySpace,
  input: ReserveInput,
): ResultAsync<ReserveOutcome, ReserveRefusal> {
  if (
    !ONE_WORD.test(input.orderId) ||
    !ONE_WORD.test(input.userId) ||
    !ONE_WORD.test(input.fingerprint)
  )
    throw new Error('reserve: orderId, userId and fingerprint must be non-empty, without spaces')
  return new ResultAsync(reserveInBuckets(redis, space, input))
}

type ReserveResult = Result<ReserveOutcome, ReserveRefusal>

/**
 * `reserve`'s steps with plain `Result`s, wrapped once by `reserve`: on the
 * hot path each ResultAsync combinator would be one more async function and
 * promise per order.
 */
async function reserveInBuckets(
  redis: RedisClient,
  space: KeySpace,
  input: ReserveInput,
): Promise<ReserveResult> {
  const first = await reserveIn(redis, space, input, knownBuckets(space, input.offer))
  if (first.isOk()) return ok(first.value)
  if (first.error.type !== 'WrongBuckets') return err(first.error)
  learnBuckets(space, input.offer, first.error.buckets)
  const again = await reserveIn(redis, space, input, first.error.buckets)
  return again.mapErr(
    (refusal): ReserveRefusal =>
      refusal.type === 'WrongBuckets'
        ? { type: 'RedisUnavailable', cause: new Error('the offer answered two bucket counts') }
        : refusal,
  )
}

/** Bucket counts learned from WrongBuckets, per key space and sale: a sale's is fixed at creation. */
const bucketCounts = new WeakMap<KeySpace, Map<string, number>>()

/**
 * How many buckets this process knows the offer to have (1 until it learned otherwise).
 *
 * @example
 * knownBuckets(space, { kind: 'sale', id }) // 3 once an order for it was placed here
 */
export function knownBuckets(space: KeySpace, offer: Offer): number {
  return offer.kind === 'sale' ? (bucketCounts.get(space)?.get(offer.id) ?? 1) : 1
}

function learnBuckets(space: KeySpace, offer: Offer, buckets: number): void {
  let counts = bucketCounts.get(space)
  if (!counts) {
    counts = new Map()
    bucketCounts.set(space, counts)
  }
  counts.set(offer.id, buckets)
}

type Refusal = ReserveRefusal | { type: 'WrongBuckets'; buckets: number }

function reserveIn(
  redis: RedisClient,
  space: KeySpace,
  input: ReserveInput,
  buckets: number,
): Promise<Result<ReserveOutcome, Refusal>> {
  const offer = buyerOfferKeys(space, input.offer, input.userId, buckets)
  const rate = input.rate ?? NO_RATE_LIMIT
  const rated = rate.perBuyer > 0 || rate.perClient > 0
  const revoked = revocationKeys(space, offer.partition, input.token?.tokenId ?? '-', input.userId)
  const shared = [
    input.idempotencyTtlSeconds,
    input.orderTtlSeconds,
    rate.perBuyer,
    rate.perClient,
    rate.windowSeconds,
  ]
  const orderKeys = [
    idempotencyKey(space, offer.partition, input.userId, input.offer.id, input.idempotencyKey),
    orderKey(space, offer.partition, input.orderId),
    revoked.token,
    revoked.user,
  ]
  if (rated)
    orderKeys.push(
      rateKey(space, offer.partition, 'buyer', input.userId),
      rateKey(space, offer.partition, 'client', rate.clientId),
    )
  const placed = batchesOf(redis).add(
    streamKey(space, offer.partition, 'orders'),
    generationKey(space, offer.partition),
    shared,
    offer,
    {
      keys: orderKeys,
      // Everything but the offer's index; the key goes last, so it may hold anything.
      packed: `${input.orderId} ${input.userId} ${input.quantity} ${input.fingerprint} ${input.token?.issuedAt ?? 0} ${buckets} ${input.idempotencyKey}`,
    },
  )
  return placed.then(
    (reply) => fromReply(reply, offer.partition),
    (cause) => err({ type: 'RedisUnavailable', cause }),
  )
}

/**
 * What a request's body comes to for its idempotency record: the same key
 * with the same offer and quantity is a replay, with anything else a reuse.
 * Checkout passes it to `reserve`, and recovery writes it back into the
 * records it rebuilds from MySQL, so the two must agree: this is the one place.
 *
 * @example
 * requestFingerprint({ kind: 'sale', id: saleId }, 1) // 'x2k9…'
 */
export function requestFingerprint(offer: Offer, quantity: number): string {
  return Bun.hash(`${offer.kind}:${offer.id}:${quantity}`).toString(36)
}

/** What the script can split an order's packed arguments on. */
const ONE_WORD = /^\S+$/

const NO_RATE_LIMIT = { clientId: '-', perBuyer: 0, perClient: 0, windowSeconds: 1 }

/** The one place reserve-orders.lua's codes are given meaning. */
function fromReply(
  [code, orderId, remaining]: OrderReply,
  partition: number,
): Result<ReserveOutcome, Refusal> {
  switch (code) {
    case ReserveCode.Placed:
      return ok({ type: 'Placed', orderId, remaining, partition })
    case ReserveCode.Replayed:
      return ok({ type: 'Replayed', orderId })
    case ReserveCode.OfferNotFound:
      return err({ type: 'OfferNotFound' })
    case ReserveCode.NotStarted:
      return err({ type: 'NotStarted' })
    case ReserveCode.Ended:
      return err({ type: 'Ended' })
    case ReserveCode.LimitReached:
      return err({ type: 'LimitReached' })
    case ReserveCode.SoldOut:
      return err({ type: 'SoldOut', remaining })
    case ReserveCode.Rebalancing:
      return err({ type: 'Rebalancing', remaining })
    case ReserveCode.WrongBuckets:
      return err({ type: 'WrongBuckets', buckets: remaining })
    case ReserveCode.IdempotencyKeyReused:
      return err({ type: 'IdempotencyKeyReused' })
    case ReserveCode.RateLimited:
      return err({ type: 'RateLimited', retryAfterSeconds: remaining })
    case ReserveCode.TokenRevoked:
      return err({ type: 'TokenRevoked' })
    case ReserveCode.Recovering:
      return err({ type: 'Recovering', partition })
    case ReserveCode.CommandFailed:
      // Why the script changed nothing for this order (a key of another type, a value that is
      // not an integer): the caller logs it as a dependency failure.
      return err({ type: 'RedisUnavailable', cause: new Error(orderId) })
    default:
      throw new Error(`reserve-orders.lua answered an unknown code ${code}`)
  }
}
