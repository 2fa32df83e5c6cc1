import type Redis from 'ioredis'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import type { TransitionReply } from './commands.ts'
import { type KeySpace, type Offer, offerKeys, orderKey, streamKey } from './keys.ts'

/** An order's live state as reserve-10.lua wrote it and transition-4.lua keeps it. */
export type OrderState = {
  id: string
  userId: string
  saleId: string | null
  productId: string
  quantity: number
  unitPrice: number
  total: number
  status: string
  createdAt: Date
  updatedAt: Date
  partition: number
}

/**
 * Finds an order's live state. The id alone does not name its partition, so
 * every partition is asked (one small read each; partitions are few).
 *
 * @example
 * const state = await findOrderState(redis, space, orderId) // null once expired
 */
export async function findOrderState(
  redis: Redis,
  space: KeySpace,
  orderId: string,
): Promise<OrderState | null> {
  const partitions = Array.from({ length: space.partitions }, (_, p) => p)
  const found = await Promise.all(partitions.map((p) => redis.hgetall(orderKey(space, p, orderId))))
  const index = found.findIndex((hash) => hash.id === orderId)
  const hash = found[index]
  if (!hash) return null
  return {
    id: orderId,
    userId: hash.userId ?? '',
    saleId: hash.saleId || null,
    productId: hash.productId ?? '',
    quantity: Number(hash.quantity),
    unitPrice: Number(hash.unitPrice),
    total: Number(hash.total),
    status: hash.status ?? 'pending',
    createdAt: new Date(Number(hash.createdAt)),
    updatedAt: new Date(Number(hash.updatedAt ?? hash.createdAt)),
    partition: index,
  }
}

export type TransitionRequest = {
  /** Only this buyer's order; null for the worker, which acts on any order. */
  userId: string | null
  from: readonly string[]
  to: string
  /** Give the units back to stock and the buyer's slot (cancel, failure, return). */
  restore: boolean
  ttlSeconds: number
  /** Refuse when the current status is older than this (the return window). */
  maxAgeMs?: number
}

export type TransitionOutcome = { type: 'Moved' | 'AlreadyThere'; updatedAt: Date }
export type TransitionRefusal =
  | { type: 'NoSuchOrder' }
  | { type: 'NotAllowed'; status: string }
  | { type: 'TooLate'; status: string }
  | { type: 'RedisUnavailable'; cause: unknown }

/**
 * Runs transition-4.lua on an order found with `findOrderState`.
 *
 * @example
 * await transitionOrder(redis, space, state, { userId, from: ['pending', 'paid'], to: 'cancelled', restore: true, ttlSeconds: 86400 })
 */
export function transitionOrder(
  redis: Redis,
  space: KeySpace,
  state: OrderState,
  request: TransitionRequest,
): ResultAsync<TransitionOutcome, TransitionRefusal> {
  const offer: Offer = state.saleId
    ? { kind: 'sale', id: state.saleId }
    : { kind: 'product', id: state.productId }
  const keys = offerKeys(space, offer)
  const call = redis.transition(
    orderKey(space, state.partition, state.id),
    keys.stock,
    keys.buyers,
    streamKey(space, state.partition, 'orders'),
    request.userId ?? '',
    request.from.join(' '),
    request.to,
    request.restore ? '1' : '0',
    request.ttlSeconds,
    request.maxAgeMs ?? 0,
  )
  return ResultAsync.fromPromise(
    call,
    (cause): TransitionRefusal => ({ type: 'RedisUnavailable', cause }),
  ).andThen(fromReply)
}

/** The one place transition-4.lua's return codes are given meaning. */
function fromReply([code, status, updatedAtMs]: TransitionReply): ResultAsync<
  TransitionOutcome,
  TransitionRefusal
> {
  switch (code) {
    case 1:
      return okAsync({ type: 'Moved', updatedAt: new Date(updatedAtMs) })
    case 2:
      return okAsync({ type: 'AlreadyThere', updatedAt: new Date(updatedAtMs) })
    case -1:
      return errAsync({ type: 'NoSuchOrder' })
    case -2:
      return errAsync({ type: 'NotAllowed', status })
    case -3:
      return errAsync({ type: 'TooLate', status })
    default:
      throw new Error(`transition-4.lua returned an unknown code ${code}`)
  }
}
