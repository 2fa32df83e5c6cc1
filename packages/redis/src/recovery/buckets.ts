import { flashSales } from '@flash/db'
import type { Db } from '@flash/db/client'
import { and, gt } from 'drizzle-orm'
import { bucketPartition, buyerBucket, type KeySpace, partitionOf } from '../keys.ts'

/**
 * The buckets of a sale split into `buckets` that live in `partition`: [0]
 * for an unsplit sale of that partition, [] for a sale elsewhere. Buckets
 * take different partitions while `buckets` <= the partition count (as
 * flash_sales.buckets always is), so a list of one at most.
 *
 * @example
 * bucketsIn(keySpace('fs:', 3), saleId, 3, 1) // [b] where bucketPartition(space, saleId, b) === 1
 */
export function bucketsIn(
  space: KeySpace,
  saleId: string,
  buckets: number,
  partition: number,
): number[] {
  const found: number[] = []
  for (let bucket = 0; bucket < Math.max(1, buckets); bucket++)
    if (bucketPartition(space, saleId, bucket) === partition) found.push(bucket)
  return found
}

/**
 * The partition an order lives in (its live state, idempotency record and
 * orders stream entries): its offer's, or for a bucketed sale its buyer's
 * bucket's (`buyerOfferKeys`). `buckets` is the sale's count (1 for a product).
 *
 * @example
 * orderPartition(space, { saleId, productId, userId }, 3) // bucketPartition(space, saleId, buyerBucket(userId, 3))
 */
export function orderPartition(
  space: KeySpace,
  order: { saleId: string | null; productId: string; userId: string },
  buckets: number,
): number {
  if (!order.saleId) return partitionOf(space, order.productId)
  return bucketPartition(space, order.saleId, buyerBucket(order.userId, buckets))
}

/**
 * Whether a bucketed sale that ended after `sinceMs` (or has not ended) has
 * a bucket in `partition`: such a partition's stock also moves through
 * transfers, which leave no entry in its orders stream (see `recoverPartition`).
 *
 * @example
 * await holdsRecentBuckets(db, space, 1, Date.now() - 7 * 86_400_000) // true
 */
export async function holdsRecentBuckets(
  db: Db,
  space: KeySpace,
  partition: number,
  sinceMs: number,
): Promise<boolean> {
  const sales = await db
    .select({ id: flashSales.id, buckets: flashSales.buckets })
    .from(flashSales)
    .where(and(gt(flashSales.buckets, 1), gt(flashSales.endsAt, new Date(sinceMs))))
  return sales.some((sale) => bucketsIn(space, sale.id, sale.buckets, partition).length > 0)
}
