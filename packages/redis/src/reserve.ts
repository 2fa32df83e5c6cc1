import type Redis from 'ioredis'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import type { ReserveReply } from './commands.ts'
import {
  idempotencyKey,
  type KeySpace,
  type Offer,
  offerKeys,
  orderKey,
  streamKey,
} from './keys.ts'

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
  | { type: 'RedisUnavailable'; cause: unknown }

/**
 * Runs reserve-6.lua: the whole decision of the hot path in one round trip.
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
  const call = redis.reserve(
    keys.stock,
    keys.meta,
    keys.buyers,
    idempotencyKey(space, keys.partition, input.userId, input.idempotencyKey),
    orderKey(space, keys.partition, input.orderId),
    streamKey(space, keys.partition, 'order.placed'),
    input.orderId,
    input.userId,
    input.quantity,
    input.fingerprint,
    input.idempotencyKey,
    input.idempotencyTtlSeconds,
    input.orderTtlSeconds,
  )
  return ResultAsync.fromPromise(
    call,
    (cause): ReserveRefusal => ({ type: 'RedisUnavailable', cause }),
  ).andThen(fromReply)
}

/** The one place the script's return codes are given meaning. */
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
    default:
      throw new Error(`reserve-6.lua returned an unknown code ${code}`)
  }
}
