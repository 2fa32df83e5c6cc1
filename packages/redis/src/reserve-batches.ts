import type { RedisClient } from './client.ts'
import type { OfferKeys } from './keys.ts'

/** One order's part of reserve-orders.lua's reply. */
export type OrderReply = [code: number, orderId: string, remaining: number]

type Batch = {
  stream: string
  /** The partition's generation marker, which the script checks first. */
  generation: string
  shared: (string | number)[]
  /** Offer meta key -> its 1-based index in the batch. */
  offers: Map<string, number>
  offerKeys: string[]
  orderKeys: string[]
  orders: string[]
  waiters: { resolve: (reply: OrderReply) => void; reject: (cause: unknown) => void }[]
}

/**
 * Orders waiting for their partition's next reserve-orders.lua call. A batch goes out at
 * the end of the event-loop turn that opened it (`setImmediate`, as ioredis's
 * auto-pipelining does), or as soon as it holds `MAX_BATCH` orders, which
 * bounds how long one call holds Redis. Every key still arrives in KEYS and
 * shares the partition's hash tag, so a batch is one Cluster slot.
 *
 * Batching is there because, per call, ioredis spends about as much CPU
 * building and tracking a command as the script spends deciding an order,
 * and the script's own set-up is paid again. Per order, what ioredis encodes
 * is what cannot be shared: four keys and one string.
 */
class ReserveBatches {
  readonly #open = new Map<string, Batch>()

  constructor(private readonly redis: RedisClient) {}

  add(
    stream: string,
    generation: string,
    shared: (string | number)[],
    offer: OfferKeys,
    order: { keys: string[]; packed: string },
  ): Promise<OrderReply> {
    const batchKey = `${stream} ${shared.join(' ')}`
    let batch = this.#open.get(batchKey)
    if (!batch) {
      const opened: Batch = {
        stream,
        generation,
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
    const keyCount = 2 + batch.offerKeys.length + batch.orderKeys.length
    this.redis
      .reserveOrders(
        keyCount,
        batch.stream,
        batch.generation,
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
 * decides one batch while checkout reads the requests of the next (with a
 * batch as large as every connection's request, the two take turns idling).
 */
const MAX_BATCH = 16

const batchesByClient = new WeakMap<RedisClient, ReserveBatches>()

/**
 * The batches of one Redis client, made on first use.
 *
 * @example
 * const reply = await batchesOf(redis).add(stream, generation, shared, offer, { keys, packed })
 */
export function batchesOf(redis: RedisClient): ReserveBatches {
  let batches = batchesByClient.get(redis)
  if (!batches) {
    batches = new ReserveBatches(redis)
    batchesByClient.set(redis, batches)
  }
  return batches
}
