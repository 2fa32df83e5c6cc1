export { connectRedis, type RedisOptions } from './client.ts'
export { loadScripts, registerCommands } from './commands.ts'
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
  streamKey,
} from './keys.ts'
export { type OfferMeta, publishOffer, readOfferState } from './offers.ts'
export {
  findOrderState,
  findOrderStates,
  type OrderState,
  orderStateText,
  type TransitionOutcome,
  type TransitionRefusal,
  type TransitionRequest,
  transitionOrder,
  transitionOrders,
} from './order-state.ts'
export { type ReserveInput, type ReserveOutcome, reserve } from './reserve.ts'
export { isRevoked, revocationKeys, revokeToken, revokeUserTokens } from './revocation.ts'
