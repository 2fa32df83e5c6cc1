import { saleBuckets } from '@flash/db'
import { bucketPartition, type KeySpace, type OfferKeys, offerKeys } from '@flash/redis'
import { err, ok, okAsync, type Result, type ResultAsync } from 'neverthrow'
import type { CatalogError } from '../../errors.ts'
import { fromDb, type Tx } from '../../shared/transaction.ts'

/**
 * How many buckets a new sale's stock is split into, as asked (1 when not):
 * each bucket lives in a Redis partition of its own, so there can be no
 * more than the deployment has, and each starts with at least one unit
 * (an empty bucket would answer its buyers SoldOut from the first second).
 * The schema already bounds the number; these bounds depend on the
 * deployment and on another field.
 *
 * @example
 * checkBuckets(3, 100, 4) // ok(3)
 * checkBuckets(5, 100, 4) // err({ type: 'InvalidField', field: 'buckets', ... })
 */
export function checkBuckets(
  requested: number | undefined,
  quantity: number,
  partitions: number,
): Result<number, CatalogError> {
  const buckets = requested ?? 1
  if (buckets > partitions)
    return err({
      type: 'InvalidField',
      field: 'buckets',
      reason: `must be at most ${partitions}, the Redis partitions this deployment has`,
    })
  if (buckets > quantity)
    return err({
      type: 'InvalidField',
      field: 'buckets',
      reason: `must be at most the quantity (${quantity}): every bucket starts with a unit or more`,
    })
  return ok(buckets)
}

/**
 * The Redis keys of every bucket of a sale, bucket 0 first (one entry, the
 * sale's own keys, when it is not split). Each entry is one slot: what one
 * command may touch together on a cluster.
 *
 * @example
 * saleBucketKeys(space, saleId, 3).map((keys) => keys.partition) // three different partitions
 */
export function saleBucketKeys(space: KeySpace, saleId: string, buckets: number): OfferKeys[] {
  return Array.from({ length: buckets }, (_, bucket) =>
    offerKeys(space, { kind: 'sale', id: saleId }, bucketPartition(space, saleId, bucket)),
  )
}

/**
 * Records a split sale's allotments (one `sale_buckets` row per bucket), in
 * the transaction that creates the sale: they are what a lost partition's
 * buckets are rebuilt from. An unsplit sale has no rows.
 *
 * @example
 * insertAllotments(tx, saleId, [4, 3, 3])
 */
export function insertAllotments(
  tx: Tx,
  saleId: string,
  allotments: number[],
): ResultAsync<void, CatalogError> {
  if (allotments.length <= 1) return okAsync(undefined)
  const rows = allotments.map((allotment, bucket) => ({ saleId, bucket, allotment }))
  return fromDb(tx.insert(saleBuckets).values(rows)).map(() => undefined)
}
