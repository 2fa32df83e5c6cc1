export {
  clusterUrl,
  connectRedis,
  duplicateClient,
  isCluster,
  mastersOf,
  nodeFor,
  type RedisClient,
  type RedisOptions,
  scanKeys,
  unlinkEach,
} from './client.ts'
export { loadScripts, registerCommands } from './commands.ts'
export {
  checkRedisDurability,
  type DurabilityOptions,
  type DurabilityRefusal,
  type DurabilityWarning,
  durabilityMessage,
  RedisDurabilityError,
  requireDurableRedis,
} from './durability.ts'
export {
  beginRecovery,
  extendRecovery,
  finishRecovery,
  type Generation,
  markerIsCurrent,
  markFreshKeySpace,
  RecoveringError,
  type RecoveryEnd,
  type RecoveryLease,
  readGeneration,
  readGenerations,
  recoveringPartitions,
} from './generation.ts'
export {
  bucketAllotments,
  bucketPartition,
  buyerBucket,
  buyerOfferKeys,
  CLUSTER_SLOTS,
  emailBatchKey,
  emailClaimKey,
  generationKey,
  idempotencyKey,
  type KeySpace,
  keySlot,
  keySpace,
  type Offer,
  type OfferKeys,
  offerKeys,
  orderKey,
  partitionOf,
  partitionShare,
  partitionTag,
  partitionTagName,
  rateKey,
  recoveryLockKey,
  revocationKeys,
  streamKey,
  transferKey,
} from './keys.ts'
export {
  type MoveOutcome,
  type MoveRefusal,
  type MoveRequest,
  moveOrderState,
  moveOrderStates,
} from './move-orders.ts'
export { type OfferMeta, offerMetaFields, publishOffer, readOfferState } from './offers.ts'
export {
  findOrderState,
  findOrderStates,
  type OrderState,
  orderStateText,
  parseOrderState,
} from './order-state.ts'
export {
  knownBuckets,
  type ReserveInput,
  type ReserveOutcome,
  type ReserveRefusal,
  requestFingerprint,
  reserve,
} from './reserve.ts'
export { isRevoked, revokeToken, revokeUserTokens } from './revocation.ts'
export { checkSoldOut, type SoldOutCheck, type SoldOutQuestion } from './sold-out-check.ts'
export {
  adjustLiveStock,
  repairLiveStock,
  type StockAdjustment,
  type StockRepair,
} from './stock.ts'
export {
  type GiveOutcome,
  giveUnits,
  type TakeMode,
  type TakeOutcome,
  TRANSFER_MARKER_TTL_SECONDS,
  type TransferLeg,
  takeUnits,
} from './transfers.ts'
