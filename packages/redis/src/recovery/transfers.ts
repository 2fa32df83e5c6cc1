import { stockTransfers } from '@flash/db'
import type { Db } from '@flash/db/client'
import { and, eq, gt, inArray, or } from 'drizzle-orm'
import { bucketPartition, type KeySpace } from '../keys.ts'
import { TRANSFER_MARKER_TTL_SECONDS } from '../transfers.ts'

/** What a rebuild writes as a transfer's marker in the partition (see `transferKey`). */
export type TransferMarker = { id: string; word: 'given' | 'void' }

/** Ids per IN (...) list. */
const CHUNK = 1000

/**
 * Voids every transfer still 'taking' whose giving bucket lives in
 * `partition`, with the fence held and before the snapshot read: whatever
 * its take did in the lost Redis, the rebuilt stock is the allotment (which
 * has not moved) minus what orders hold, so the units are back in the
 * giving bucket, and the balancer's step 3 (`WHERE state='taking'`) now
 * changes no row and moves no allotment. A transfer whose step 3 committed
 * first is 'moved' and stays: its allotments already moved, and the rebuild
 * reads them. Returns how many it voided.
 *
 * @example
 * await voidTakingTransfers(db, space, 1) // 2
 */
export async function voidTakingTransfers(
  db: Db,
  space: KeySpace,
  partition: number,
): Promise<number> {
  const taking = await db
    .select({
      id: stockTransfers.id,
      saleId: stockTransfers.saleId,
      fromBucket: stockTransfers.fromBucket,
    })
    .from(stockTransfers)
    .where(eq(stockTransfers.state, 'taking'))
  const ids = taking
    .filter((t) => bucketPartition(space, t.saleId, t.fromBucket) === partition)
    .map((t) => t.id)
  let voided = 0
  for (let at = 0; at < ids.length; at += CHUNK) {
    const [result] = await db
      .update(stockTransfers)
      .set({ state: 'void', updatedAt: new Date() })
      .where(
        and(
          eq(stockTransfers.state, 'taking'),
          inArray(stockTransfers.id, ids.slice(at, at + CHUNK)),
        ),
      )
    voided += result.affectedRows
  }
  return voided
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]

/**
 * The transfer markers a rebuild of `partition` writes, read in its
 * snapshot: 'given' for every 'moved' transfer into one of its buckets (the
 * allotment the stock is rebuilt from already counts those units, so the
 * balancer's give must add nothing), 'void' for every transfer out of one
 * of its buckets voided within the markers' lifetime (those the rebuild just
 * voided among them: a take sent before the crash that arrives now must not
 * take units the rebuilt stock counts, when MySQL will never move them).
 *
 * @example
 * await transferMarkers(tx, space, 1, Date.now()) // [{ id, word: 'given' }]
 */
export async function transferMarkers(
  tx: Tx,
  space: KeySpace,
  partition: number,
  nowMs: number,
): Promise<TransferMarker[]> {
  const rows = await tx
    .select({
      id: stockTransfers.id,
      saleId: stockTransfers.saleId,
      fromBucket: stockTransfers.fromBucket,
      toBucket: stockTransfers.toBucket,
      state: stockTransfers.state,
    })
    .from(stockTransfers)
    .where(
      or(
        eq(stockTransfers.state, 'moved'),
        and(
          eq(stockTransfers.state, 'void'),
          gt(stockTransfers.updatedAt, new Date(nowMs - TRANSFER_MARKER_TTL_SECONDS * 1000)),
        ),
      ),
    )
  const markers: TransferMarker[] = []
  for (const row of rows) {
    if (row.state === 'moved' && bucketPartition(space, row.saleId, row.toBucket) === partition)
      markers.push({ id: row.id, word: 'given' })
    if (row.state === 'void' && bucketPartition(space, row.saleId, row.fromBucket) === partition)
      markers.push({ id: row.id, word: 'void' })
  }
  return markers
}
