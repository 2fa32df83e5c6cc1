/**
 * What each Lua script answers, by name. The loader (`commands.ts`) defines
 * the script's table as `Code` above the script, each script's docblock lists
 * the names, and one function per script gives them meaning, so a code is
 * written once. A test checks every docblock against its table.
 *
 * @example
 * if (code === ReserveCode.SoldOut) ...
 */
export const ReserveCode = {
  Placed: 1,
  Replayed: 2,
  OfferNotFound: -1,
  NotStarted: -2,
  Ended: -3,
  LimitReached: -4,
  SoldOut: -5,
  IdempotencyKeyReused: -6,
  RateLimited: -7,
  TokenRevoked: -8,
  CommandFailed: -9,
  Recovering: -10,
  WrongBuckets: -11,
  Rebalancing: -12,
} as const

/** move-orders.lua's answer per order. */
export const MoveCode = {
  Moved: 1,
  AlreadyThere: 2,
  NoSuchOrder: -1,
  NotAllowed: -2,
  TooLate: -3,
  CommandFailed: -4,
  Recovering: -5,
} as const

/** adjust-stock.lua's answer. */
export const AdjustStockCode = {
  Adjusted: 1,
  NoCounter: -1,
  WouldGoNegative: -2,
} as const

/** repair-stock.lua's answer. */
export const RepairStockCode = {
  Repaired: 1,
  AlreadyRight: 0,
  EventsArrived: -1,
} as const

/** begin-recovery.lua's answer. */
export const BeginRecoveryCode = {
  Begun: 1,
  Busy: -1,
} as const

/** finish-recovery.lua's answer. */
export const FinishRecoveryCode = {
  Stamped: 1,
  Released: 0,
  LockLost: -1,
  ServerChanged: -2,
} as const

export type ScriptCodes = Readonly<Record<string, number>>

/** take-units.lua's answer. */
export const TakeUnitsCode = {
  Taken: 1,
  Void: 2,
  Recovering: -1,
} as const

/** give-units.lua's answer. */
export const GiveUnitsCode = {
  Given: 1,
  AlreadyGiven: 2,
  Recovering: -1,
} as const
