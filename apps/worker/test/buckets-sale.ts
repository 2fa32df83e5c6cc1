import { flashSales, orderItems, orders, saleBuckets, stockTransfers } from '@flash/db'
import {
  bucketPartition,
  buyerBucket,
  type KeySpace,
  keySpace,
  markFreshKeySpace,
  offerKeys,
  publishOffer,
} from '@flash/redis'
import {
  createBuyers,
  createProduct,
  type TestDatabase,
  testDatabase,
  testRedis,
} from '@flash/testing'
import { eq } from 'drizzle-orm'
import type { WorkerContext } from '../src/context.ts'
import { testContext } from './helpers.ts'

export const PARTITIONS = 3

/**
 * A test's database and key prefix with three partitions (stamped current,
 * as the worker's first recovery would), and the worker context on them.
 */
export async function bucketsWorld() {
  const database = await testDatabase()
  const r = await testRedis()
  const space = keySpace(r.prefix, PARTITIONS)
  await markFreshKeySpace(r.redis, space)
  const ctx: WorkerContext = { ...testContext(database, r), space }
  return {
    database,
    r,
    space,
    ctx,
    async [Symbol.asyncDispose]() {
      await r[Symbol.asyncDispose]()
      await database[Symbol.asyncDispose]()
    },
  }
}

export type BucketsWorld = Awaited<ReturnType<typeof bucketsWorld>>

/**
 * A live sale split into `allotments.length` buckets, as the catalog makes
 * one: the flash_sales row with its bucket count, one sale_buckets row per
 * bucket, and each bucket published on its partition with its allotment
 * (less what its buyers hold) as stock and the rest as `elsewhere`. `held[b]`
 * paid one-unit orders are placed by buyers bucket b serves: rows in MySQL
 * and their units out of the bucket's stock, as if the order-writer had
 * applied what reserve-orders.lua decided.
 *
 * @example
 * const sale = await bucketedSale(w, { allotments: [30, 30, 30], held: [30, 0, 0] })
 */
export async function bucketedSale(
  w: Pick<BucketsWorld, 'database' | 'r' | 'space'>,
  { allotments, held = [] }: { allotments: number[]; held?: number[] },
) {
  const { db } = w.database
  const buckets = allotments.length
  const quantity = allotments.reduce((sum, n) => sum + n, 0)
  const productId = await createProduct(db, { stock: quantity })
  const saleId = Bun.randomUUIDv7()
  const startsAt = new Date(Date.now() - 60_000)
  const endsAt = new Date(Date.now() + 3_600_000)
  await db.insert(flashSales).values({
    id: saleId,
    productId,
    price: 5_000,
    quantity,
    perUserLimit: 1,
    startsAt,
    endsAt,
    remaining: quantity,
    buckets,
    createdAt: new Date(),
  })
  await db
    .insert(saleBuckets)
    .values(allotments.map((allotment, bucket) => ({ saleId, bucket, allotment })))
  const buyers = await buyersOf(db, buckets, held)
  const now = new Date()
  for (const userId of buyers) {
    const orderId = Bun.randomUUIDv7()
    await db.insert(orders).values({
      id: orderId,
      userId,
      saleId,
      status: 'paid',
      total: 5_000,
      idempotencyKey: orderId,
      createdAt: now,
      updatedAt: now,
    })
    await db.insert(orderItems).values({ orderId, productId, quantity: 1, unitPrice: 5_000 })
  }
  for (const [bucket, allotment] of allotments.entries())
    await publishOffer(
      w.r.redis,
      w.space,
      { kind: 'sale', id: saleId },
      { productId, saleId, price: 5_000, perUserLimit: 1, startsAt, endsAt, buckets },
      allotment - (held[bucket] ?? 0),
      { partition: bucketPartition(w.space, saleId, bucket), elsewhere: quantity - allotment },
    )
  return { saleId, quantity, buckets }
}

/** `held[b]` buyers whom bucket b serves, each listed once. */
async function buyersOf(db: TestDatabase['db'], buckets: number, held: number[]) {
  const wanted = held.reduce((sum, n) => sum + n, 0)
  const picked: string[] = []
  const taken = held.map(() => 0)
  while (picked.length < wanted)
    for (const userId of await createBuyers(db, wanted * buckets)) {
      const bucket = buyerBucket(userId, buckets)
      if ((taken[bucket] ?? 0) >= (held[bucket] ?? 0)) continue
      taken[bucket] = (taken[bucket] ?? 0) + 1
      picked.push(userId)
    }
  return picked
}

/** The keys of each bucket of a sale. */
export function bucketKeys(space: KeySpace, saleId: string, buckets: number) {
  return Array.from({ length: buckets }, (_, bucket) =>
    offerKeys(space, { kind: 'sale', id: saleId }, bucketPartition(space, saleId, bucket)),
  )
}

/**
 * Everything the record and Redis say about a sale's units: each bucket's
 * allotment, Redis stock and the units its buyers' orders hold, and the
 * transfers' states. In a sale at rest, stock = allotment - held in every
 * bucket and the allotments add up to the quantity.
 */
export async function ledger(w: Pick<BucketsWorld, 'database' | 'r' | 'space'>, saleId: string) {
  const { db } = w.database
  const rows = await db
    .select({ bucket: saleBuckets.bucket, allotment: saleBuckets.allotment })
    .from(saleBuckets)
    .where(eq(saleBuckets.saleId, saleId))
  const allotments = rows.sort((a, b) => a.bucket - b.bucket).map((row) => row.allotment)
  const holders = await db
    .select({ userId: orders.userId })
    .from(orders)
    .where(eq(orders.saleId, saleId))
  const held = allotments.map(() => 0)
  for (const { userId } of holders) {
    const bucket = buyerBucket(userId, allotments.length)
    held[bucket] = (held[bucket] ?? 0) + 1
  }
  const keys = bucketKeys(w.space, saleId, allotments.length)
  const stocks = await Promise.all(keys.map(async (k) => Number(await w.r.redis.get(k.stock))))
  const transfers = await db
    .select({ state: stockTransfers.state })
    .from(stockTransfers)
    .where(eq(stockTransfers.saleId, saleId))
  return {
    allotments,
    held,
    stocks,
    total: allotments.reduce((sum, n) => sum + n, 0),
    /** Per bucket, stock - (allotment - held): 0 everywhere when Redis agrees with the record. */
    drift: stocks.map((stock, b) => stock - ((allotments[b] ?? 0) - (held[b] ?? 0))),
    states: transfers.map((t) => t.state).sort(),
  }
}
