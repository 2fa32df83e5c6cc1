import { orderItems, orders, saleBuckets, stockTransfers } from '@flash/db'
import {
  bucketPartition,
  buyerBucket,
  type KeySpace,
  keySpace,
  markFreshKeySpace,
  offerKeys,
} from '@flash/redis'
import {
  createBuyers,
  createSale,
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
 * A live sale of `quantity` units split into `buckets` buckets as the
 * catalog splits one (`createSale`: even allotments, each bucket published
 * in its partition), and `held[b]` paid one-unit orders placed by buyers
 * bucket b serves: rows in MySQL and their units out of the bucket's stock,
 * as if the order-writer had applied what reserve-orders.lua decided.
 *
 * @example
 * const { saleId } = await bucketedSale(w, { held: [30, 0, 0] }) // 90 units, 30 per bucket, bucket 0 drained
 */
export async function bucketedSale(
  w: Pick<BucketsWorld, 'database' | 'r' | 'space'>,
  {
    quantity = 90,
    buckets = 3,
    held = [],
  }: { quantity?: number; buckets?: number; held?: number[] },
) {
  const { db } = w.database
  const { saleId, productId } = await createSale(db, w.r.redis, w.space, { quantity, buckets })
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
  const keys = bucketKeys(w.space, saleId, buckets)
  for (const [bucket, units] of held.entries())
    if (units > 0) await w.r.redis.decrby(keys[bucket]?.stock ?? '', units)
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
