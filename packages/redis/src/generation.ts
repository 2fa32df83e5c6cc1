import type { RedisClient } from './client.ts'
import { generationKey, type KeySpace, recoveryLockKey } from './keys.ts'
import { BeginRecoveryCode, FinishRecoveryCode } from './script-codes.ts'

/**
 * A partition's state may be older than MySQL's (Redis came back empty or
 * from an older file) and is being rebuilt or checked: retry shortly, never
 * take it as an answer ("no such order").
 *
 * @example
 * if (error instanceof RecoveringError) return retryIn(1)
 */
export class RecoveringError extends Error {
  constructor(readonly partition: number | null) {
    super(
      partition === null
        ? 'Redis is being recovered from MySQL'
        : `partition ${partition} is being recovered from MySQL`,
    )
    this.name = 'RecoveringError'
  }
}

/**
 * A partition's generation: `current` when its marker names this server
 * (its state was rebuilt from MySQL, or checked against it, on this very
 * server), `missing` when there is no marker (Redis came back empty, a new
 * deployment, a recovery under way), `stale` when the marker names another
 * server (a restart, a restore from a file, a failover). `marker` is the
 * marker's whole value, '<server id>:<name of the recovery>', which changes
 * with every recovery, even one on the same server.
 */
export type Generation = {
  partition: number
  state: 'current' | 'missing' | 'stale'
  serverId: string
  marker: string | null
}

/**
 * Reads one partition's generation in one call, on the node that holds it.
 *
 * @example
 * await readGeneration(redis, space, 0) // { partition: 0, state: 'current', serverId: 'f820…' }
 */
export async function readGeneration(
  redis: RedisClient,
  space: KeySpace,
  partition: number,
): Promise<Generation> {
  const [marker, serverId] = await redis.readGeneration(generationKey(space, partition))
  if (marker === '') return { partition, state: 'missing', serverId, marker: null }
  const state = markerIsCurrent(marker, serverId) ? 'current' : 'stale'
  return { partition, state, serverId, marker }
}

/**
 * Whether a marker names this server, as generation.lua decides it.
 *
 * @example
 * markerIsCurrent('f820…:01a2…', 'f820…') // true
 */
export function markerIsCurrent(marker: string | null | undefined, serverId: string): boolean {
  return !!marker && marker.startsWith(`${serverId}:`)
}

/**
 * Every partition's generation, side by side (one call each).
 *
 * @example
 * (await readGenerations(redis, space)).every((g) => g.state === 'current')
 */
export function readGenerations(redis: RedisClient, space: KeySpace): Promise<Generation[]> {
  return Promise.all(
    Array.from({ length: space.partitions }, (_, p) => readGeneration(redis, space, p)),
  )
}

/**
 * The partitions that are not current: the scripts refuse there until the
 * worker's recovery has run. One call per partition, side by side.
 *
 * @example
 * await recoveringPartitions(redis, space) // [] when every partition is current
 */
export async function recoveringPartitions(redis: RedisClient, space: KeySpace): Promise<number[]> {
  const generations = await readGenerations(redis, space)
  return generations.filter((g) => g.state !== 'current').map((g) => g.partition)
}

/**
 * What `beginRecovery` hands back, to finish with: the lock's token, the
 * server it began on, and the name of this recovery (a UUIDv7), which the
 * marker will hold.
 */
export type RecoveryLease = { partition: number; token: string; serverId: string; name: string }

/**
 * Takes the partition's recovery lock (one process at a time; it expires
 * after `ttlMs` should its holder die). With `clear`, the generation marker
 * is deleted in the same step, so every script answers Recovering while the
 * partition is rebuilt. Null when another process holds the lock.
 *
 * @example
 * const lease = await beginRecovery(redis, space, 0, { clear: true, ttlMs: 60_000 })
 */
export async function beginRecovery(
  redis: RedisClient,
  space: KeySpace,
  partition: number,
  options: { clear: boolean; ttlMs: number },
): Promise<RecoveryLease | null> {
  const token = crypto.randomUUID()
  const [code, serverId] = await redis.beginRecovery(
    recoveryLockKey(space, partition),
    generationKey(space, partition),
    token,
    options.ttlMs,
    options.clear ? '1' : '0',
  )
  switch (code) {
    case BeginRecoveryCode.Begun:
      return { partition, token, serverId, name: Bun.randomUUIDv7() }
    case BeginRecoveryCode.Busy:
      return null
    default:
      throw new Error(`begin-recovery.lua answered an unknown code ${code}`)
  }
}

export type RecoveryEnd = 'Stamped' | 'Released' | 'LockLost' | 'ServerChanged'

/**
 * Ends a recovery: with `stamp`, writes the generation marker last (only if
 * the lock is still the lease's and the server is still the one it began
 * on), then releases the lock. Without `stamp` (the recovery failed), only
 * releases the lock, and the partition keeps refusing until the next try.
 *
 * @example
 * await finishRecovery(redis, space, lease, { stamp: true }) // 'Stamped'
 */
export async function finishRecovery(
  redis: RedisClient,
  space: KeySpace,
  lease: RecoveryLease,
  options: { stamp: boolean },
): Promise<RecoveryEnd> {
  const code = await redis.finishRecovery(
    recoveryLockKey(space, lease.partition),
    generationKey(space, lease.partition),
    lease.token,
    lease.serverId,
    options.stamp ? '1' : '0',
    lease.name,
  )
  switch (code) {
    case FinishRecoveryCode.Stamped:
      return 'Stamped'
    case FinishRecoveryCode.Released:
      return 'Released'
    case FinishRecoveryCode.LockLost:
      return 'LockLost'
    case FinishRecoveryCode.ServerChanged:
      return 'ServerChanged'
    default:
      throw new Error(`finish-recovery.lua answered an unknown code ${code}`)
  }
}

/**
 * Keeps the lease's lock for `ttlMs` more; false when it is not the lease's
 * any more (it expired: another process may be recovering the partition).
 *
 * @example
 * await extendRecovery(redis, space, lease, 15_000) // true
 */
export async function extendRecovery(
  redis: RedisClient,
  space: KeySpace,
  lease: RecoveryLease,
  ttlMs: number,
): Promise<boolean> {
  return (
    (await redis.extendRecovery(recoveryLockKey(space, lease.partition), lease.token, ttlMs)) === 1
  )
}

/**
 * Stamps every partition of a key space that nothing was ever recorded in
 * (a prefix a test or a benchmark just made up, on any server; a private
 * server started empty a moment ago) as current, without a rebuild.
 *
 * This is the one exception to "only recovery writes the marker", and why
 * it is safe only there: a marker says "Redis holds everything MySQL says
 * about this partition". For a key space just invented that is true (MySQL
 * cannot have recorded anything that went through it), but for any other a
 * publisher cannot know it: a missing marker may be a Redis that lost every
 * order, and stamping it would hide the loss. So publishing an offer
 * (`publishOffer`) never writes it; `bun run start`, the seed and the
 * worker go through `recoverRedis` (recovery/), which rebuilds from MySQL.
 *
 * @example
 * const space = keySpace(`t${crypto.randomUUID().slice(0, 8)}:`)
 * await markFreshKeySpace(redis, space)
 */
export async function markFreshKeySpace(redis: RedisClient, space: KeySpace): Promise<void> {
  for (let partition = 0; partition < space.partitions; partition++) {
    const lease = await beginRecovery(redis, space, partition, { clear: false, ttlMs: 10_000 })
    if (!lease) throw new Error(`partition ${partition} of a fresh key space is being recovered`)
    const end = await finishRecovery(redis, space, lease, { stamp: true })
    if (end !== 'Stamped') throw new Error(`could not stamp partition ${partition}: ${end}`)
  }
}
