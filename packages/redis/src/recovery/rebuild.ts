import { releasesUnits, toFields } from '@flash/contracts'
import type { ChainableCommander } from 'ioredis'
import type { RedisClient } from '../client.ts'
import {
  idempotencyKey,
  type KeySpace,
  type Offer,
  offerKeys,
  orderKey,
  streamKey,
  transferKey,
} from '../keys.ts'
import { offerMetaFields } from '../offers.ts'
import { type OrderState, orderStateText } from '../order-state.ts'
import { requestFingerprint } from '../reserve.ts'
import { TRANSFER_MARKER_TTL_SECONDS } from '../transfers.ts'
import type { PartitionBook, RecoverySettings } from './order-book.ts'

/** What a rebuild wrote, for its log line. */
export type RebuildCounts = {
  sales: number
  products: number
  buyers: number
  liveOrders: number
  idempotencyRecords: number
  /** Payment, shipping and refund requests asked again (their streams may be gone). */
  requests: number
  /** Transfer markers written ('given' into the partition's buckets, 'void' out of them). */
  transfers: number
}

/** Commands per pipeline, so one round trip never carries a whole partition. */
const PIPELINE = 500

/**
 * Writes a partition's state from its book, overwriting what is there (SET,
 * never SET NX: what Redis holds may be older than MySQL):
 * - every sale's terms, and for recent ones the stock (quantity minus the
 *   units held) and each buyer's units (the per-buyer limit holds again);
 *   for a bucketed sale, of the bucket held here: its terms with `buckets`,
 *   `elsewhere` = 1 (the other buckets' units are unknown until the
 *   balancer looks; 0 would answer SoldOut while they may hold units), its
 *   allotment minus its own buyers' units, and those buyers;
 * - the marker of every transfer the book names (`transferMarkers`), in the
 *   same pipelines as the stock, so a give or a take retried after the
 *   rebuild agrees with the stock it rebuilt;
 * - every product's terms and stock (`products.stock`);
 * - the live state of every order that can still change (pending, paid,
 *   shipping, return_requested, delivered within the return window), with
 *   what is left of its TTL; a live state Redis holds for an order that
 *   can no longer change is set to MySQL's final word or deleted once its
 *   TTL has run out, so an older copy can never be moved (and give its units
 *   back) again;
 * - the idempotency record of every order placed within the idempotency
 *   window, so a replay gets its order;
 * - the requests the worker's streams may have lost: payment for pending
 *   orders, shipping for paid ones, a refund for orders that gave their
 *   units back and may still hold a charge. Their consumers are idempotent
 *   by order, so asking twice costs a provider call, never a second charge.
 * Product buyers are not rebuilt: a product has no per-buyer limit, and a
 * move that gives units back deletes a buyer's field it does not find.
 *
 * @example
 * const counts = await writeBook(redis, space, book, { liveIds, nowMs, settings })
 */
export async function writeBook(
  redis: RedisClient,
  space: KeySpace,
  book: PartitionBook,
  input: { liveIds: readonly string[]; nowMs: number; settings: RecoverySettings },
): Promise<RebuildCounts> {
  const { nowMs, settings } = input
  const writes = new Writes(redis)
  const counts: RebuildCounts = {
    sales: 0,
    products: 0,
    buyers: 0,
    liveOrders: 0,
    idempotencyRecords: 0,
    requests: 0,
    transfers: 0,
  }
  const stream = (type: string) => streamKey(space, book.partition, type)

  for (const sale of book.sales) {
    // The partition's own keys: the sale's, or for a bucketed sale its bucket's here.
    const keys = offerKeys(space, { kind: 'sale', id: sale.id }, book.partition)
    const fields = offerMetaFields({ ...sale, saleId: sale.id })
    await writes.add((p) =>
      p.hset(keys.meta, sale.buckets > 1 ? { ...fields, elsewhere: 1 } : fields),
    )
    counts.sales++
    if (!sale.recent) continue
    let held = 0
    for (const units of sale.held.values()) held += units
    await writes.add((p) => p.set(keys.stock, Math.max(0, sale.allotment - held)).del(keys.buyers))
    if (sale.held.size > 0)
      await writes.add((p) => p.hset(keys.buyers, Object.fromEntries(sale.held)))
    counts.buyers += sale.held.size
  }
  for (const { id, word } of book.transfers) {
    const key = transferKey(space, book.partition, id)
    await writes.add((p) => p.set(key, word, 'EX', TRANSFER_MARKER_TTL_SECONDS))
    counts.transfers++
  }
  for (const product of book.products) {
    const keys = offerKeys(space, { kind: 'product', id: product.id })
    const meta = { productId: product.id, saleId: '', price: product.price, perUserLimit: 0 }
    await writes.add((p) =>
      p.hset(keys.meta, offerMetaFields(meta)).set(keys.stock, Math.max(0, product.stock)),
    )
    counts.products++
  }

  const heldInRedis = new Set(input.liveIds)
  for (const order of book.orders.values()) {
    const key = orderKey(space, book.partition, order.id)
    const open = canStillChange(order, nowMs, settings)
    if (open || heldInRedis.has(order.id)) {
      const ttlSeconds = releasesUnits(order.status)
        ? settings.finishedOrderTtlSeconds
        : settings.orderStateTtlSeconds
      const left = Math.ceil(ttlSeconds - (nowMs - order.updatedAt.getTime()) / 1000)
      if (left > 0) await writes.add((p) => p.set(key, orderStateText(order), 'EX', left))
      else await writes.add((p) => p.del(key))
      if (open && left > 0) counts.liveOrders++
    }
    const recordLeft = Math.ceil(
      settings.idempotencyTtlSeconds - (nowMs - order.createdAt.getTime()) / 1000,
    )
    if (recordLeft > 0) {
      const offer: Offer = order.saleId
        ? { kind: 'sale', id: order.saleId }
        : { kind: 'product', id: order.productId }
      const record = `${requestFingerprint(offer, order.quantity)} ${order.id}`
      const recordKey = idempotencyKey(
        space,
        book.partition,
        order.userId,
        offer.id,
        order.idempotencyKey,
      )
      await writes.add((p) => p.set(recordKey, record, 'EX', recordLeft))
      counts.idempotencyRecords++
    }
    if (order.status === 'pending') {
      const request = {
        type: 'payment.requested' as const,
        orderId: order.id,
        userId: order.userId,
        amount: order.total,
      }
      await writes.add((p) => p.xadd(stream('payments'), '*', ...toFields(request)))
      counts.requests++
    }
    if (order.status === 'paid') {
      const request = { type: 'shipping.requested' as const, orderId: order.id }
      await writes.add((p) => p.xadd(stream('shipping'), '*', ...toFields(request)))
      counts.requests++
    }
  }
  for (const orderId of book.refundable) {
    const request = { type: 'refund.requested' as const, orderId }
    await writes.add((p) => p.xadd(stream('refunds'), '*', ...toFields(request)))
    counts.requests++
  }
  await writes.flush()
  return counts
}

/** Whether an order's live state is still the authority for a move (see `writeBook`). */
function canStillChange(order: OrderState, nowMs: number, settings: RecoverySettings): boolean {
  switch (order.status) {
    case 'pending':
    case 'paid':
    case 'shipping':
    case 'return_requested':
      return true
    case 'delivered':
      return nowMs - order.updatedAt.getTime() < settings.returnWindowSeconds * 1000
    default:
      return false
  }
}

/** Commands queued into pipelines of about PIPELINE commands, each sent when full. */
class Writes {
  #pipeline: ChainableCommander
  constructor(private readonly redis: RedisClient) {
    this.#pipeline = redis.pipeline()
  }

  async add(queue: (pipeline: ChainableCommander) => unknown): Promise<void> {
    queue(this.#pipeline)
    if (this.#pipeline.length >= PIPELINE) await this.flush()
  }

  async flush(): Promise<void> {
    const pipeline = this.#pipeline
    this.#pipeline = this.redis.pipeline()
    if (pipeline.length === 0) return
    const replies = await pipeline.exec()
    const failed = replies?.find(([error]) => error)?.[0]
    if (failed) throw failed
  }
}
