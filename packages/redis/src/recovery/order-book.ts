import { type OrderStatus, releasedStatuses, releasesUnits } from '@flash/contracts'
import { flashSales, orderItems, orders, payments, products, saleBuckets } from '@flash/db'
import type { Db } from '@flash/db/client'
import { and, eq, gt, gte, inArray, notExists, notInArray, sql } from 'drizzle-orm'
import { buyerBucket, type KeySpace, partitionOf } from '../keys.ts'
import type { OrderState } from '../order-state.ts'
import { bucketsIn, orderPartition } from './buckets.ts'
import { type TransferMarker, transferMarkers } from './transfers.ts'

/** How long things last, as the apps that write them are configured. */
export type RecoverySettings = {
  /** An order's live state is kept this long after its last change while it can still change. */
  orderStateTtlSeconds: number
  /** ... and this long once it gave its units back (cancelled, failed, returned). */
  finishedOrderTtlSeconds: number
  /** An idempotency record is kept this long after its order was placed. */
  idempotencyTtlSeconds: number
  /** A delivered order can be returned this long after delivery. */
  returnWindowSeconds: number
  /**
   * How long an access token lives: logouts within it are put back as
   * revocations (`restoreRevocations`). Unset, none are (a deployment
   * without the auth app's tokens).
   */
  accessTokenTtlSeconds?: number
  /** Sales that ended longer ago than this get their terms back but no stock (default a week). */
  endedSaleLookbackMs?: number
}

const WEEK_MS = 7 * 86_400_000

/**
 * Sales that ended before this moment get their terms back but no stock.
 *
 * @example
 * endedSaleCutoff(Date.now(), settings) // a week ago, by default
 */
export function endedSaleCutoff(nowMs: number, settings: RecoverySettings): number {
  return nowMs - (settings.endedSaleLookbackMs ?? WEEK_MS)
}

/** One sale as the partition holds it: the whole sale, or one of its buckets. */
export type SaleTerms = {
  id: string
  productId: string
  price: number
  quantity: number
  perUserLimit: number
  startsAt: Date
  endsAt: Date
  /** How many buckets the sale is split into (1: unsplit, the whole sale here). */
  buckets: number
  /** Which of them this partition holds (0 for an unsplit sale). */
  bucket: number
  /** The units this bucket started from: the sale's quantity, or its `sale_buckets` allotment. */
  allotment: number
  /** Not ended, or ended within the lookback: its stock and buyers are rebuilt too. */
  recent: boolean
  /** Units each of this bucket's buyers holds (orders in a status that keeps them). */
  held: Map<string, number>
}

export type ProductStock = { id: string; price: number; stock: number }

/** Everything MySQL (and the stream's newer events) says about one partition. */
export type PartitionBook = {
  partition: number
  /** Every sale with a bucket here, once per such bucket. */
  sales: SaleTerms[]
  products: ProductStock[]
  /**
   * Every order recovery looks at (those that can still change, those
   * placed within the idempotency window, and those named by the stream or
   * by a live state Redis still holds), each in its newest state.
   */
  orders: Map<string, OrderState>
  /** Orders that gave their units back recently and may still hold a charge (refund requests to repeat). */
  refundable: string[]
  /** Markers of the transfers into and out of the partition's buckets (`transferMarkers`). */
  transfers: TransferMarker[]
}

/** Statuses that can still change whatever their age; `delivered` only within the return window. */
const OPEN_STATUSES = ['pending', 'paid', 'shipping', 'return_requested'] as const

/** Ids per IN (...) list. */
const CHUNK = 1000

/**
 * Reads what the partition's Redis state must be rebuilt from, in one
 * read-only transaction (one consistent snapshot, so the order-writer
 * committing meanwhile cannot make the stock and the orders disagree), and
 * brings it up to date with the orders stream: an order whose newest event
 * in the stream has a higher seq than its row (the order-writer has not
 * applied it yet) is taken as the event says, and the units it holds are
 * counted as the event says. Never a synced counter (`flash_sales.remaining`):
 * a sale's stock is its quantity minus the units its orders hold, a
 * product's is `products.stock`, which the order-writer keeps.
 *
 * A bucketed sale (flash_sales.buckets = K > 1) is here when one of its
 * buckets is (`bucketsIn`): that bucket's stock is its `sale_buckets`
 * allotment minus the units held by its buyers' orders (those whose
 * `buyerBucket` it is), and so are its buyers. An order is here when its
 * buyer's bucket is (`orderPartition`): its live state, idempotency record
 * and requests are this partition's to write. Transfers still 'taking' out
 * of the partition must be voided before (`voidTakingTransfers`), so the
 * allotments read here are final for it.
 *
 * @example
 * const book = await loadOrderBook(db, space, 0, { streamed, liveIds, nowMs: Date.now(), settings })
 */
export async function loadOrderBook(
  db: Db,
  space: KeySpace,
  partition: number,
  input: {
    /** Newest state per order in the partition's orders stream (`streamOrders`). */
    streamed: Map<string, OrderState>
    /** Orders whose live state Redis holds now (it may be older than MySQL's). */
    liveIds: readonly string[]
    nowMs: number
    settings: RecoverySettings
  },
): Promise<PartitionBook> {
  const { streamed, nowMs, settings } = input
  const lookback = endedSaleCutoff(nowMs, settings)
  const read = await db.transaction(
    async (tx) => {
      const everySale = await tx
        .select({
          id: flashSales.id,
          productId: flashSales.productId,
          price: flashSales.price,
          quantity: flashSales.quantity,
          perUserLimit: flashSales.perUserLimit,
          startsAt: flashSales.startsAt,
          endsAt: flashSales.endsAt,
          buckets: flashSales.buckets,
        })
        .from(flashSales)
      const sales = everySale.filter(
        (sale) => bucketsIn(space, sale.id, sale.buckets, partition).length > 0,
      )
      const recent = sales.filter((sale) => sale.endsAt.getTime() > lookback)
      const recentIds = recent.map((s) => s.id)
      const allotments = await chunked(
        recent.filter((sale) => sale.buckets > 1).map((sale) => sale.id),
        (ids) => tx.select().from(saleBuckets).where(inArray(saleBuckets.saleId, ids)),
      )
      const held = await chunked(recentIds, (ids) =>
        tx
          .select({
            saleId: orders.saleId,
            userId: orders.userId,
            units: sql<string>`sum(${orderItems.quantity})`,
          })
          .from(orders)
          .innerJoin(orderItems, eq(orderItems.orderId, orders.id))
          .where(and(inArray(orders.saleId, ids), notInArray(orders.status, [...releasedStatuses])))
          .groupBy(orders.saleId, orders.userId),
      )
      const productRows = (
        await tx
          .select({ id: products.id, price: products.price, stock: products.stock })
          .from(products)
      ).filter((product) => partitionOf(space, product.id) === partition)
      const open = await selectOrders(tx).where(inArray(orders.status, [...OPEN_STATUSES]))
      const delivered = await selectOrders(tx).where(
        and(
          eq(orders.status, 'delivered'),
          gt(orders.updatedAt, new Date(nowMs - settings.returnWindowSeconds * 1000)),
        ),
      )
      // Ids are UUIDv7, minted when the order was placed: the key's range is the time's.
      const placedSince = nowMs - settings.idempotencyTtlSeconds * 1000
      const placed = await selectOrders(tx).where(
        gte(orders.id, uuidV7Floor(placedSince - CLOCK_MARGIN_MS)),
      )
      const named = await chunked([...new Set([...streamed.keys(), ...input.liveIds])], (ids) =>
        selectOrders(tx).where(inArray(orders.id, ids)),
      )
      const refundable = await tx
        .select({
          id: orders.id,
          saleId: orders.saleId,
          productId: orderItems.productId,
          userId: orders.userId,
        })
        .from(orders)
        .innerJoin(orderItems, eq(orderItems.orderId, orders.id))
        .where(
          and(
            inArray(orders.status, [...releasedStatuses]),
            gt(orders.updatedAt, new Date(lookback)),
            notExists(
              tx
                .select({ orderId: payments.orderId })
                .from(payments)
                .where(
                  and(
                    eq(payments.orderId, orders.id),
                    inArray(payments.status, ['refunded', 'declined', 'none']),
                  ),
                ),
            ),
          ),
        )
      return {
        bucketCounts: new Map(everySale.map((sale) => [sale.id, sale.buckets])),
        sales,
        held,
        allotments,
        productRows,
        rows: [...open, ...delivered, ...placed, ...named],
        refundable,
        transfers: await transferMarkers(tx, space, partition, nowMs),
      }
    },
    // No accessMode: Drizzle writes it after the snapshot clause without the comma MySQL needs.
    { isolationLevel: 'repeatable read', withConsistentSnapshot: true },
  )

  const bucketsOf = (saleId: string | null) => (saleId ? (read.bucketCounts.get(saleId) ?? 1) : 1)
  const mine = (order: { saleId: string | null; productId: string; userId: string }) =>
    orderPartition(space, order, bucketsOf(order.saleId)) === partition
  const allotment = new Map(read.allotments.map((row) => [bucketKey(row.saleId, row.bucket), row]))
  const sales = new Map<string, SaleTerms>()
  for (const sale of read.sales)
    for (const bucket of bucketsIn(space, sale.id, sale.buckets, partition))
      sales.set(bucketKey(sale.id, bucket), {
        ...sale,
        bucket,
        // A bucketed sale without its row (never written) rebuilds empty rather than oversell.
        allotment:
          sale.buckets > 1
            ? (allotment.get(bucketKey(sale.id, bucket))?.allotment ?? 0)
            : sale.quantity,
        recent: sale.endsAt.getTime() > lookback,
        held: new Map<string, number>(),
      })
  // The bucket of the partition a buyer's units are held in, if it is here.
  const buyersBucket = (saleId: string, userId: string) =>
    sales.get(bucketKey(saleId, buyerBucket(userId, bucketsOf(saleId))))
  for (const { saleId, userId, units } of read.held)
    if (saleId) buyersBucket(saleId, userId)?.held.set(userId, Number(units))
  const productStock = new Map(read.productRows.map((p) => [p.id, { ...p }]))

  const book = new Map<string, OrderState>()
  for (const row of read.rows) {
    if (mine(row)) book.set(row.id, { ...row, partition })
  }
  for (const event of streamed.values()) {
    const row = book.get(event.id)
    if (row && row.seq >= event.seq) continue
    // The stream is ahead of MySQL for this order: count its units as the stream says.
    const change = unitsHeld(event) - (row ? unitsHeld(row) : 0)
    if (event.saleId) {
      const sale = buyersBucket(event.saleId, event.userId)
      if (sale?.recent) addUnits(sale.held, event.userId, change)
    } else {
      const product = productStock.get(event.productId)
      if (product) product.stock -= change
    }
    book.set(event.id, event)
  }
  const refundable = read.refundable.filter(mine).map((order) => order.id)
  return {
    partition,
    sales: [...sales.values()],
    products: [...productStock.values()],
    orders: book,
    refundable,
    transfers: read.transfers,
  }
}

function bucketKey(saleId: string, bucket: number): string {
  return `${saleId}:${bucket}`
}

/** Order ids come from the app's clock and timestamps from Redis's: read a little more. */
const CLOCK_MARGIN_MS = 60 * 60 * 1000

/** The smallest UUIDv7 minted at or after `ms`. */
function uuidV7Floor(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`
}

function unitsHeld(order: { status: OrderStatus; quantity: number }): number {
  return releasesUnits(order.status) ? 0 : order.quantity
}

function addUnits(held: Map<string, number>, userId: string, units: number) {
  const total = (held.get(userId) ?? 0) + units
  if (total > 0) held.set(userId, total)
  else held.delete(userId)
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]

/** An order row with its one item, as an order state needs it. */
function selectOrders(tx: Tx) {
  return tx
    .select({
      id: orders.id,
      userId: orders.userId,
      saleId: orders.saleId,
      productId: orderItems.productId,
      quantity: orderItems.quantity,
      unitPrice: orderItems.unitPrice,
      total: orders.total,
      status: orders.status,
      seq: orders.seq,
      idempotencyKey: orders.idempotencyKey,
      createdAt: orders.createdAt,
      updatedAt: orders.updatedAt,
    })
    .from(orders)
    .innerJoin(orderItems, eq(orderItems.orderId, orders.id))
}

async function chunked<T>(ids: readonly string[], query: (ids: string[]) => Promise<T[]>) {
  const rows: T[] = []
  for (let at = 0; at < ids.length; at += CHUNK)
    rows.push(...(await query(ids.slice(at, at + CHUNK))))
  return rows
}
