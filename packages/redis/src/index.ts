export { connectRedis, type RedisOptions } from './client.ts'
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
  emailBatchKey,
  emailClaimKey,
  idempotencyKey,
  type KeySpace,
  keySpace,
  type Offer,
  type OfferKeys,
  offerKeys,
  orderKey,
  partitionOf,
  partitionTag,
  rateKey,
  revocationKeys,
  streamKey,
} from './keys.ts'
export {
  type MoveOutcome,
  type MoveRefusal,
  type MoveRequest,
  moveOrderState,
  moveOrderStates,
} from './move-orders.ts'
export { type OfferMeta, publishOffer, readOfferState } from './offers.ts'
export {
  findOrderState,
  findOrderStates,
  type OrderState,
  orderStateText,
  parseOrderState,
} from './order-state.ts'
export { type ReserveInput, type ReserveOutcome, reserve } from './reserve.ts'
export { isRevoked, revokeToken, revokeUserTokens } from './revocation.ts'
export { checkSoldOut, type SoldOutCheck, type SoldOutQuestion } from './sold-out-check.ts'
export {
  adjustLiveStock,
  repairLiveStock,
  type StockAdjustment,
  type StockRepair,
} from './stock.ts'
