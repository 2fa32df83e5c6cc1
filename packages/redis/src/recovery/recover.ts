import type { Db } from '@flash/db/client'
import { nodeFor, type RedisClient } from '../client.ts'
import {
  beginRecovery,
  extendRecovery,
  finishRecovery,
  type RecoveryEnd,
  type RecoveryLease,
  readGeneration,
} from '../generation.ts'
import { type KeySpace, orderKey, streamKey } from '../keys.ts'
import { raiseLastId, streamBehind } from './behind.ts'
import { holdsRecentBuckets } from './buckets.ts'
import { holdFenceExclusively } from './fence.ts'
import { endedSaleCutoff, loadOrderBook, type RecoverySettings } from './order-book.ts'
import { type RebuildCounts, writeBook } from './rebuild.ts'
import { restoreRevocations } from './revocations.ts'
import { streamOrders } from './stream-orders.ts'
import { voidTakingTransfers } from './transfers.ts'

export type RecoveryDeps = {
  db: Db
  redis: RedisClient
  space: KeySpace
  log: (line: string) => void
}

export type RecoveryOptions = RecoverySettings & {
  /** The consumer groups of each partition, as [stream type, group], recreated before the stamp. */
  groups?: readonly (readonly [stream: string, group: string])[]
  /**
   * The highest orders-stream entry id MySQL has applied (the order-writer's
   * mark). With it, a partition stamped on another server (a restart, a
   * restore, a failover) is first checked: when Redis has everything MySQL
   * has, it is only stamped again, without a rebuild. Without it, such a
   * partition is rebuilt.
   */
  appliedEntryId?: (stream: string) => Promise<string | null>
  /** How long the recovery lock outlives a holder that died (default 15 s; renewed while it works). */
  lockTtlMs?: number
}

/** What happened to one partition. */
export type PartitionRecovery =
  | { partition: number; outcome: 'current' | 'busy' }
  | { partition: number; outcome: 'checked'; ms: number }
  | { partition: number; outcome: 'rebuilt'; why: string; ms: number; counts: RebuildCounts }
  | { partition: number; outcome: 'unfinished'; why: string; end: RecoveryEnd }

/**
 * Brings every partition of Redis back in line with MySQL when it is not
 * current (generation.ts): a partition without a marker (Redis came back
 * empty, a new deployment) is rebuilt from MySQL; one stamped on another
 * server is checked against MySQL's mark and stamped again when nothing
 * was lost, rebuilt otherwise. One process at a time per partition (a
 * lock); the others answer `busy` and the scripts refuse meanwhile. Safe to
 * call from any number of processes, as often as wished: a current
 * partition costs one call. The worker runs it at start and every second;
 * the seed and a test without a worker call it once.
 *
 * A rebuild deletes the marker first (every script answers Recovering
 * from then on, so nothing changes what is being rebuilt), holds the
 * stream's fence in MySQL (`holdFenceExclusively`: order-writer batches
 * already in a transaction are in MySQL before it reads, later ones from the
 * lost Redis are refused), recreates the consumer groups, reads the
 * partition's live states and orders stream, then MySQL (`loadOrderBook`),
 * writes everything back (`writeBook`) and stamps a new generation last.
 * A check holds the fence the same way, so the mark it compares with
 * includes every batch that will ever be applied from before. Events still
 * in the stream are not applied again by the rebuild: the stock was just
 * computed with them, and the order-writer applies them to MySQL by seq,
 * which changes nothing twice.
 *
 * A partition holding a bucket of a bucketed sale that has not ended (or
 * ended within the lookback) is always rebuilt, never only checked: its
 * stock also moves through transfers between buckets (take-units,
 * give-units), which write nothing to the orders stream, so a stream that
 * has every entry MySQL applied says nothing about a take or a give the
 * restarted Redis lost. The rebuild voids the transfers still 'taking' out
 * of the partition first (`voidTakingTransfers`, after the fence, before
 * the snapshot read), then rebuilds each bucket from its allotment and
 * marks the transfers already moved into it as given, so the rebuilt stock
 * and every transfer agree whichever step was lost.
 *
 * @example
 * await recoverRedis({ db, redis, space, log: console.log }, { orderStateTtlSeconds: 2592000, finishedOrderTtlSeconds: 86400, idempotencyTtlSeconds: 86400, returnWindowSeconds: 86400 })
 */
export async function recoverRedis(
  deps: RecoveryDeps,
  options: RecoveryOptions,
): Promise<PartitionRecovery[]> {
  const results: PartitionRecovery[] = []
  for (let partition = 0; partition < deps.space.partitions; partition++)
    results.push(await recoverPartition(deps, partition, options))
  return results
}

/**
 * `recoverRedis` for one partition.
 *
 * @example
 * await recoverPartition(deps, 0, options) // { partition: 0, outcome: 'current' }
 */
export async function recoverPartition(
  deps: RecoveryDeps,
  partition: number,
  options: RecoveryOptions,
): Promise<PartitionRecovery> {
  const { redis, space } = deps
  const generation = await readGeneration(redis, space, partition)
  if (generation.state === 'current') return { partition, outcome: 'current' }
  const started = performance.now()
  const checkable = generation.state === 'stale' && options.appliedEntryId !== undefined
  // Transfers leave no mark in the orders stream: see recoverRedis.
  const buckets =
    checkable &&
    (await holdsRecentBuckets(deps.db, space, partition, endedSaleCutoff(Date.now(), options)))
  const check = checkable && !buckets
  const lockTtlMs = options.lockTtlMs ?? 15_000
  const lease = await beginRecovery(redis, space, partition, { clear: !check, ttlMs: lockTtlMs })
  if (!lease) return { partition, outcome: 'busy' }
  // Kept while this process works (it may wait for MySQL); it expires soon after a holder that died.
  const heartbeat = setInterval(() => {
    extendRecovery(redis, space, lease, lockTtlMs).catch(() => undefined)
  }, lockTtlMs / 3)
  try {
    const stream = streamKey(space, partition, 'orders')
    return await holdFenceExclusively(deps.db, stream, lease.name, async () => {
      if (check) {
        const applied = (await options.appliedEntryId?.(stream)) ?? null
        if (!(await streamBehind(redis, stream, applied))) {
          const end = await finish(deps, lease)
          if (end !== 'Stamped') return { partition, outcome: 'unfinished', why: 'restarted', end }
          const ms = Math.round(performance.now() - started)
          deps.log(
            `[recovery] partition ${partition}: Redis restarted with every order MySQL has (its orders stream reaches ${applied ?? 'no applied entry'}); stamped in ${ms} ms`,
          )
          return { partition, outcome: 'checked', ms }
        }
      }
      const why =
        generation.state === 'missing'
          ? 'no generation marker: Redis came back empty, or a new deployment'
          : check
            ? 'Redis came back older than MySQL'
            : buckets
              ? 'Redis restarted on a partition holding buckets, whose transfers the orders stream does not record'
              : 'Redis restarted, not checked against MySQL'
      return rebuild(deps, lease, options, started, why)
    })
  } catch (error) {
    await finishRecovery(redis, space, lease, { stamp: false }).catch(() => undefined)
    throw error
  } finally {
    clearInterval(heartbeat)
  }
}

/**
 * Rebuilds the partition while its fence is held (see `holdFenceExclusively`):
 * every order-writer transaction that began before is in MySQL, and none
 * can commit until the new generation is stamped.
 */
async function rebuild(
  deps: RecoveryDeps,
  lease: RecoveryLease,
  options: RecoveryOptions,
  started: number,
  why: string,
): Promise<PartitionRecovery> {
  const { db, redis, space } = deps
  const { partition } = lease
  const stream = streamKey(space, partition, 'orders')
  for (const [type, group] of options.groups ?? [])
    await createGroup(redis, streamKey(space, partition, type), group)
  const applied = options.appliedEntryId ? await options.appliedEntryId(stream) : null
  if (applied) await raiseLastId(redis, stream, applied)
  // Before the snapshot read, so the allotments it reads are final for this partition's buckets.
  const voided = await voidTakingTransfers(db, space, partition)
  const liveIds = await liveOrderIds(redis, space, partition)
  const streamed = await streamOrders(redis, stream, partition)
  const nowMs = Date.now()
  const book = await loadOrderBook(db, space, partition, {
    streamed,
    liveIds,
    nowMs,
    settings: options,
  })
  const counts = await writeBook(redis, space, book, { liveIds, nowMs, settings: options })
  const revocations =
    options.accessTokenTtlSeconds === undefined
      ? 0
      : await restoreRevocations(db, redis, space, partition, {
          accessTokenTtlSeconds: options.accessTokenTtlSeconds,
          nowMs,
        })
  const end = await finish(deps, lease)
  if (end !== 'Stamped') return { partition, outcome: 'unfinished', why, end }
  const ms = Math.round(performance.now() - started)
  deps.log(
    `[recovery] partition ${partition} rebuilt from MySQL in ${ms} ms (${why}): ${counts.sales} sales, ${counts.products} products, ${counts.buyers} buyers' holdings, ${counts.liveOrders} live orders, ${counts.idempotencyRecords} idempotency records, ${counts.requests} payment/shipping/refund requests asked again, ${revocations} users' logouts, ${voided} transfers out voided, ${counts.transfers} transfer markers`,
  )
  return { partition, outcome: 'rebuilt', why, ms, counts }
}

/** Stamps the marker (see finish-recovery.lua) and logs when that did not happen. */
async function finish(deps: RecoveryDeps, lease: RecoveryLease): Promise<RecoveryEnd> {
  const end = await finishRecovery(deps.redis, deps.space, lease, { stamp: true })
  if (end !== 'Stamped')
    deps.log(
      `[recovery] partition ${lease.partition}: not stamped (${end}); the next run starts again`,
    )
  return end
}

/**
 * XGROUP CREATE ... 0 MKSTREAM: from the stream's first entry, so events
 * written before the group existed are delivered; BUSYGROUP (it exists) is fine.
 */
async function createGroup(redis: RedisClient, stream: string, group: string): Promise<void> {
  try {
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM')
  } catch (error) {
    if (!String(error).includes('BUSYGROUP')) throw error
  }
}

/**
 * The ids of the orders whose live state the partition holds now (SCAN:
 * recovery is rare), asked of the one node that holds the partition.
 */
async function liveOrderIds(
  redis: RedisClient,
  space: KeySpace,
  partition: number,
): Promise<string[]> {
  const prefix = orderKey(space, partition, '')
  const ids: string[] = []
  const scan = (await nodeFor(redis, prefix)).scanStream({
    match: `${escapeGlob(prefix)}*`,
    count: 1000,
  })
  for await (const keys of scan as AsyncIterable<string[]>)
    for (const key of keys) ids.push(key.slice(prefix.length))
  return ids
}

/** A key prefix as a SCAN pattern that matches it literally. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}
