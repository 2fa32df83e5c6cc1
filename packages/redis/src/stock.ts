import type { RedisClient } from './client.ts'
import { AdjustStockCode, RepairStockCode } from './script-codes.ts'

/** What a live stock counter did: moved (to `remaining`), was absent, or refused to go below zero. */
export type StockAdjustment =
  | { type: 'Adjusted'; remaining: number }
  | { type: 'NoCounter' }
  | { type: 'WouldGoNegative'; remaining: number }

/**
 * Moves a live stock counter by `delta` in one atomic step (adjust-stock.lua),
 * so an admin's change adds to what checkout left instead of overwriting its
 * decrements, and never takes the counter below zero.
 *
 * @example
 * await adjustLiveStock(redis, offerKeys(space, offer).stock, -20) // { type: 'Adjusted', remaining: 50 }
 */
export async function adjustLiveStock(
  redis: RedisClient,
  stockKey: string,
  delta: number,
): Promise<StockAdjustment> {
  const [code, remaining] = await redis.adjustStock(stockKey, delta)
  switch (code) {
    case AdjustStockCode.Adjusted:
      return { type: 'Adjusted', remaining }
    case AdjustStockCode.NoCounter:
      return { type: 'NoCounter' }
    case AdjustStockCode.WouldGoNegative:
      return { type: 'WouldGoNegative', remaining }
    default:
      throw new Error(`adjust-stock.lua answered an unknown code ${code}`)
  }
}

/** What a repair did: set the counter (it was `before`), found it right, or found new events. */
export type StockRepair =
  | { type: 'Repaired'; before: number }
  | { type: 'AlreadyRight' }
  | { type: 'EventsArrived' }

/**
 * Sets an offer's counter to `expected` (units left by the record) only if
 * the partition's orders stream still ends at `watermark`, the entry it ended
 * at when `expected` was computed (repair-stock.lua): every change to a
 * sale's stock writes to that stream in the same script.
 *
 * @example
 * await repairLiveStock(redis, keys.stock, stream, 40, '1764556800000-0') // { type: 'Repaired', before: 38 }
 */
export async function repairLiveStock(
  redis: RedisClient,
  stockKey: string,
  stream: string,
  expected: number,
  watermark: string,
): Promise<StockRepair> {
  const [code, before] = await redis.repairStock(stockKey, stream, expected, watermark)
  switch (code) {
    case RepairStockCode.Repaired:
      return { type: 'Repaired', before }
    case RepairStockCode.AlreadyRight:
      return { type: 'AlreadyRight' }
    case RepairStockCode.EventsArrived:
      return { type: 'EventsArrived' }
    default:
      throw new Error(`repair-stock.lua answered an unknown code ${code}`)
  }
}
