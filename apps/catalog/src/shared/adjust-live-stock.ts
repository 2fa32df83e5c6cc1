import type { CatalogDeps } from './deps.ts'

/** What the counter did: moved (to `remaining`), absent, or refused to go below zero. */
export type StockAdjustment =
  | { type: 'Moved'; remaining: number }
  | { type: 'NoCounter' }
  | { type: 'WouldGoNegative'; remaining: number }

/**
 * Moves a live stock counter by `delta` in one atomic step (a script, so a
 * checkout decrement cannot slip between the check and the write).
 *
 * The script belongs in @flash/redis (registered with `defineCommand` next
 * to take-stock-1.lua); it lives here, sent with EVAL, until it moves. EVAL
 * carries the script body each call, which is fine for an admin operation.
 *
 * @example
 * await adjustLiveStock(deps, stockKey, -20) // { type: 'Moved', remaining: 50 }
 */
export async function adjustLiveStock(
  deps: Pick<CatalogDeps, 'redis'>,
  stockKey: string,
  delta: number,
): Promise<StockAdjustment> {
  const reply = await deps.redis.adjustStock(stockKey, delta)
  const [code, remaining] = Array.isArray(reply) ? reply.map(Number) : []
  if (code === 1 && remaining !== undefined) return { type: 'Moved', remaining }
  if (code === -1) return { type: 'NoCounter' }
  if (code === -2 && remaining !== undefined) return { type: 'WouldGoNegative', remaining }
  throw new Error(`adjust-stock-1.lua answered ${JSON.stringify(reply)}`)
}
