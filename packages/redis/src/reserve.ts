import type Redis from 'ioredis'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import {
  idempotencyKey,
  type KeySpace,
  type Offer,
  type OfferKeys,
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
  /** The caller's access token, checked against logout in the same call (omit for trusted callers). */
  token?: { tokenId: string; issuedAt: number }
  /** Who is calling from where, and how many attempts a window allows each (0 = no limit; the default). */
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
 * Places one order through reserve-batch-n.lua: the whole decision of the
 * hot path in one round trip. Orders for one partition that arrive in the same
 * turn of the event loop share that round trip and that script call, each
 * still decided on its own and in arrival order (see `ReserveBatches`).
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
  if (
    !ONE_WORD.test(input.orderId) ||
    !ONE_WORD.test(input.userId) ||
    !ONE_WORD.test(input.fingerprint)
  )
    throw new Error('reserve: orderId, userId and fingerprint must be non-empty, without spaces')
  const offer = offerKeys(space, input.offer)
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
    idempotencyKey(space, offer.partition, input.userId, input.idempotencyKey),
    orderKey(space, offer.partition, input.orderId),
    revoked.token,
    revoked.user,
  ]
  if (rated)
    orderKeys.push(
      rateKey(space, offer.partition, 'buyer', input.userId),
      rateKey(space, offer.partition, 'client', rate.clientId),
    )
  const placed = batchesOf(redis).add(streamKey(space, offer.partition, 'orders'), shared, offer, {
    keys: orderKeys,
    // Everything but the offer's index; the key goes last, so it may hold anything.
    packed: `${input.orderId} ${input.userId} ${input.quantity} ${input.fingerprint} ${input.token?.issuedAt ?? 0} ${input.idempotencyKey}`,
  })
  return ResultAsync.fromPromise(
    placed,
    (cause): ReserveRefusal => ({ type: 'RedisUnavailable', cause }),
  ).andThen(fromReply)
}

/** What the script can split an order's packed arguments on. */
const ONE_WORD = /^\S+$/

const NO_RATE_LIMIT = { clientId: '-', perBuyer: 0, perClient: 0, windowSeconds: 1 }

/** One order's part of the script's reply. */
type OrderReply = [code: number, orderId: string, remaining: number]

type Batch = {
  stream: string
  shared: (string | number)[]
  /** Offer meta key -> its 1-based index in the batch. */
  offers: Map<string, number>
  offerKeys: string[]
  orderKeys: string[]
  orders: string[]
  waiters: { resolve: (reply: OrderReply) => void; reject: (cause: unknown) => void }[]
}

/**
 * Orders waiting for their partition's next script call. A batch goes out at
 * the end of the event-loop turn that opened it (`setImmediate`, as ioredis's
 * auto-pipelining does), or as soon as it holds `MAX_BATCH` orders, which
 * bounds how long one call holds Redis. Every key still arrives in KEYS and
 * shares the partition's hash tag, so a batch is one Cluster slot.
 *
 * Under a stampede this is where the hot path's cost went: per call, ioredis
 * spends as much CPU building and tracking a command as the script spends
 * deciding an order, and the script's own set-up is paid again. Per order,
 * what ioredis encodes is what cannot be shared: four keys and one string.
 */
class ReserveBatches {
  readonly #open = new Map<string, Batch>()

  constructor(private readonly redis: Redis) {}

  add(
    stream: string,
    shared: (string | number)[],
    offer: OfferKeys,
    order: { keys: string[]; packed: string },
  ): Promise<OrderReply> {
    const batchKey = `${stream} ${shared.join(' ')}`
    let batch = this.#open.get(batchKey)
    if (!batch) {
      const opened: Batch = {
        stream,
        shared,
        offers: new Map(),
        offerKeys: [],
        orderKeys: [],
        orders: [],
        waiters: [],
      }
      this.#open.set(batchKey, opened)
      setImmediate(() => this.#send(batchKey, opened))
      batch = opened
    }
    let index = batch.offers.get(offer.meta)
    if (index === undefined) {
      index = batch.offers.size + 1
      batch.offers.set(offer.meta, index)
      batch.offerKeys.push(offer.stock, offer.meta, offer.buyers)
    }
    for (const key of order.keys) batch.orderKeys.push(key)
    batch.orders.push(`${index} ${order.packed}`)
    const waiters = batch.waiters
    const reply = new Promise<OrderReply>((resolve, reject) => waiters.push({ resolve, reject }))
    if (waiters.length >= MAX_BATCH) this.#send(batchKey, batch)
    return reply
  }

  #send(batchKey: string, batch: Batch): void {
    if (this.#open.get(batchKey) !== batch) return // already sent when it filled up
    this.#open.delete(batchKey)
    const keyCount = 1 + batch.offerKeys.length + batch.orderKeys.length
    this.redis
      .reserveBatch(
        keyCount,
        batch.stream,
        ...batch.offerKeys,
        ...batch.orderKeys,
        ...batch.shared,
        batch.offers.size,
        ...batch.orders,
      )
      .then(
        (reply) => {
          batch.waiters.forEach((waiter, i) => {
            waiter.resolve([
              Number(reply[3 * i]),
              String(reply[3 * i + 1]),
              Number(reply[3 * i + 2]),
            ])
          })
        },
        (cause: unknown) => {
          for (const waiter of batch.waiters) waiter.reject(cause)
        },
      )
  }
}

/**
 * Enough to take most of the per-call cost off, and small enough that Redis
 * decides one batch while checkout reads the requests of the next: with 64,
 * a batch could hold every connection's request and the two took turns
 * idling. 16 against 64, the same stampede (64 connections, two cores,
 * alternating runs): median 21.4k against 19.1k orders/s.
 */
const MAX_BATCH = 16

const batchesByClient = new WeakMap<Redis, ReserveBatches>()

function batchesOf(redis: Redis): ReserveBatches {
  let batches = batchesByClient.get(redis)
  if (!batches) {
    batches = new ReserveBatches(redis)
    batchesByClient.set(redis, batches)
  }
  return batches
}

/** The one place the reserve script's return codes are given meaning. */
function fromReply([code, orderId, remaining]: OrderReply): ResultAsync<
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
    case -9:
      // The message Redis gave (a key of the wrong type): the caller logs it as a dependency failure.
      return errAsync({ type: 'RedisUnavailable', cause: new Error(orderId) })
    default:
      throw new Error(`reserve-batch-n.lua returned an unknown code ${code}`)
  }
}
