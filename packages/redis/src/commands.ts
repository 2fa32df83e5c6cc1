import type Redis from 'ioredis'
import type { Result } from 'ioredis'
import adjustStockLua from './lua/adjust-stock-1.lua' with { type: 'text' }
import repairStockLua from './lua/repair-stock-2.lua' with { type: 'text' }
import reserveBatchLua from './lua/reserve-batch-n.lua' with { type: 'text' }
import transitionManyLua from './lua/transition-many-4n.lua' with { type: 'text' }

/**
 * Raw reply of reserve-batch-n.lua: three values per order of the batch,
 * `code, orderId, remaining`, in the order they were given.
 */
export type ReserveBatchReply = (number | string)[]

/** Raw reply of transition-many-4n.lua, one per order: [code, status, updatedAtMs]. */
export type TransitionReply = [number, string, number]

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** reserve-batch-n.lua: numKeys, the keys, then the shared arguments and one string per order. */
    reserveBatch(
      numKeys: number,
      ...keysAndArgs: (string | number)[]
    ): Result<ReserveBatchReply, Context>
    /** adjust-stock-1.lua: [1, remaining] moved, [-1, 0] no counter, [-2, remaining] would go below 0. */
    adjustStock(stock: string, delta: number): Result<[number, number], Context>
    /** repair-stock-2.lua: [1, before] repaired, [0, before] already right, [-1, 0] events arrived. */
    repairStock(
      stock: string,
      stream: string,
      expected: number,
      watermark: string,
    ): Result<[number, number], Context>
    /** transition-many-4n.lua: numKeys (4 per order), the keys, then 6 arguments per order; one TransitionReply per order. */
    transitionMany(
      numKeys: number,
      ...keysAndArgs: (string | number)[]
    ): Result<TransitionReply[], Context>
  }
}

/**
 * Registers every Lua script as an ioredis command. ioredis sends EVALSHA and
 * falls back to EVAL on NOSCRIPT, so a SCRIPT FLUSH, a restarted server or a
 * Cluster node that never saw the script costs one extra round trip, not an error.
 *
 * @example
 * registerCommands(redis)
 * await redis.adjustStock(stockKey, 5)
 */
export function registerCommands(redis: Redis): void {
  if ('reserveBatch' in redis && typeof redis.reserveBatch === 'function') return
  for (const [name, script] of Object.entries(scripts)) redis.defineCommand(name, script)
}

const scripts = {
  // No fixed key count: ioredis takes it as the first argument.
  reserveBatch: { lua: reserveBatchLua },
  transitionMany: { lua: transitionManyLua },
  adjustStock: { numberOfKeys: 1, lua: adjustStockLua },
  repairStock: { numberOfKeys: 2, lua: repairStockLua },
}

/**
 * Loads every script into the server's cache (idempotent). Apps call it at
 * start-up so the first buyer does not pay for it, and from `GET /ready`,
 * which it also heals after a SCRIPT FLUSH.
 *
 * @example
 * await loadScripts(redis) // throws if Redis does not answer
 */
export async function loadScripts(redis: Redis): Promise<void> {
  await Promise.all(Object.values(scripts).map(({ lua }) => redis.script('LOAD', lua)))
}
