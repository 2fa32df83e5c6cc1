/**
 * Rebuilding Redis from MySQL (`@flash/redis/recovery`), apart from the
 * package's main entry so that apps which never recover do not load the
 * database schema.
 */
export { streamBehind } from './behind.ts'
export {
  type FenceTx,
  holdEveryFence,
  holdFenceExclusively,
  type WriterFence,
  writerFence,
} from './fence.ts'
export type { RecoverySettings } from './order-book.ts'
export type { RebuildCounts } from './rebuild.ts'
export {
  type PartitionRecovery,
  type RecoveryDeps,
  type RecoveryOptions,
  recoverPartition,
  recoverRedis,
} from './recover.ts'
