import type Redis from 'ioredis'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import type { ReserveReply } from './commands.ts'
import {
  idempotencyKey,
  type KeySpace,
  type Offer,
  offerKeys,
  orderKey,
  rateKey,
  streamKey,
} from './keys.ts'
import { revocationKeys } from './revocation.ts'

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
  /** Who is calling from where, and how many attempts a window allows each (0 = no limit; the default). */
  /** The caller's access token, checked against logout in the same call (omit for trusted callers). */
  token?: { tokenId: string; issuedAt: number }
  rate?: { clientId: string; perBuyer: number; perClient: number; windowSeconds: number }
}

export type ReserveOutcome =
  | { type: 'Placed'; orderId: string; remaining: number }
  | { type: 'Replayed'; orderId: string }

export type ReserveRefusal =
  | { type: 'OfferNotFound' }
  | { type: 'NotStarted' }
  | { type: 'Ended' }
  | { type: 'LimitReached' }
  | { type: 'SoldOut'; remaining: number }
  | { type: 'IdempotencyKeyReused' }
  | { type: 'RateLimited'; retryAfterSeconds: number }
  | { type: 'TokenRevoked' }
  | { type: 'RedisUnavailable'; cause: unknown }

/**
 * Runs reserve-10.lua: the whole decision of the hot path in one round trip.
 *
 * @example
 * const result = await reserve(redis, space, { offer: { kind: 'sale', id }, ... })
 * result.match((ok) => ok.orderId, (refusal) => refusal.type)
 */
export function reserve(
  redis: Redis,
  space: KeySpace,
  input: ReserveInput,
): ResultAsync<ReserveOutcome, ReserveRefusal> {
  const keys = offerKeys(space, input.offer)
  const rate = input.rate ?? NO_RATE_LIMIT
  const revoked = revocationKeys(space, keys.partition, input.token?.tokenId ?? '-', input.userId)
  const call = redis.reserve(
    keys.stock,
    keys.meta,
    keys.buyers,
    idempotencyKey(space, keys.partition, input.userId, input.idempotencyKey),
    orderKey(space, keys.partition, input.orderId),
    streamKey(space, keys.partition, 'orders'),
    rateKey(space, keys.partition, 'buyer', input.userId),
    rateKey(space, keys.partition, 'client', rate.clientId),
    revoked.token,
    revoked.user,
    input.orderId,
    input.userId,
    input.quantity,
    input.fingerprint,
    input.idempotencyKey,
    input.idempotencyTtlSeconds,
    input.orderTtlSeconds,
    rate.perBuyer,
    rate.perClient,
    rate.windowSeconds,
    input.token?.issuedAt ?? 0,
  )
  return ResultAsync.fromPromise(
    call,
    (cause): ReserveRefusal => ({ type: 'RedisUnavailable', cause }),
  ).andThen(fromReply)
}

const NO_RATE_LIMIT = { clientId: '-', perBuyer: 0, perClient: 0, windowSeconds: 1 }

/** The one place reserve-10.lua's return codes are given meaning. */
function fromReply([code, orderId, remaining]: ReserveReply): ResultAsync<
  ReserveOutcome,
  ReserveRefusal
> {
  switch (code) {
    case 1:
      return okAsync({ type: 'Placed', orderId, remaining })
    case 2:
      return okAsync({ type: 'Replayed', orderId })
    case -1:
      return errAsync({ type: 'OfferNotFound' })
    case -2:
      return errAsync({ type: 'NotStarted' })
    case -3:
      return errAsync({ type: 'Ended' })
    case -4:
      return errAsync({ type: 'LimitReached' })
    case -5:
      return errAsync({ type: 'SoldOut', remaining })
    case -6:
      return errAsync({ type: 'IdempotencyKeyReused' })
    case -7:
      return errAsync({ type: 'RateLimited', retryAfterSeconds: remaining })
    case -8:
      return errAsync({ type: 'TokenRevoked' })
    default:
      throw new Error(`reserve-6.lua returned an unknown code ${code}`)
  }
}
