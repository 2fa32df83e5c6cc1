import type { Result } from 'ioredis'
import { mastersOf, type RedisClient } from './client.ts'
import adjustStockLua from './lua/adjust-stock.lua' with { type: 'text' }
import beginRecoveryLua from './lua/begin-recovery.lua' with { type: 'text' }
import extendRecoveryLua from './lua/extend-recovery.lua' with { type: 'text' }
import finishRecoveryLua from './lua/finish-recovery.lua' with { type: 'text' }
import generationLua from './lua/generation.lua' with { type: 'text' }
import giveUnitsLua from './lua/give-units.lua' with { type: 'text' }
import integersLua from './lua/integers.lua' with { type: 'text' }
import moveOrdersLua from './lua/move-orders.lua' with { type: 'text' }
import orderStateLua from './lua/order-state.lua' with { type: 'text' }
import readGenerationLua from './lua/read-generation.lua' with { type: 'text' }
import repairStockLua from './lua/repair-stock.lua' with { type: 'text' }
import reserveOrdersLua from './lua/reserve-orders.lua' with { type: 'text' }
import takeUnitsLua from './lua/take-units.lua' with { type: 'text' }
import {
  AdjustStockCode,
  BeginRecoveryCode,
  FinishRecoveryCode,
  GiveUnitsCode,
  MoveCode,
  RepairStockCode,
  ReserveCode,
  type ScriptCodes,
  TakeUnitsCode,
} from './script-codes.ts'

/**
 * Raw reply of reserve-orders.lua: three values per order of the batch,
 * `code, orderId, remaining`, in the order they were given.
 */
export type ReserveOrdersReply = (number | string)[]

/** Raw reply of move-orders.lua, one per order: [code, status (or why, for CommandFailed), updatedAtMs]. */
export type MoveReply = [number, string, number]

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** reserve-orders.lua: numKeys, the keys, then the shared arguments and one string per order. */
    reserveOrders(
      numKeys: number,
      ...keysAndArgs: (string | number)[]
    ): Result<ReserveOrdersReply, Context>
    /** move-orders.lua: numKeys (1 + 4 per order), the generation marker, 4 keys per order, then 6 arguments per order; one MoveReply per order. */
    moveOrders(numKeys: number, ...keysAndArgs: (string | number)[]): Result<MoveReply[], Context>
    /** adjust-stock.lua: [AdjustStockCode, remaining]. */
    adjustStock(stock: string, delta: number): Result<[number, number], Context>
    /** begin-recovery.lua: [BeginRecoveryCode, serverId]. */
    beginRecovery(
      lock: string,
      generation: string,
      token: string,
      ttlMs: number,
      clear: '1' | '0',
    ): Result<[number, string], Context>
    /** finish-recovery.lua: a FinishRecoveryCode. */
    finishRecovery(
      lock: string,
      generation: string,
      token: string,
      serverId: string,
      stamp: '1' | '0',
      name: string,
    ): Result<number, Context>
    /** extend-recovery.lua: 1 when the lock was still the token's. */
    extendRecovery(lock: string, token: string, ttlMs: number): Result<number, Context>
    /** read-generation.lua: [marker ('' when missing), serverId]. */
    readGeneration(generation: string): Result<[string, string], Context>
    /** repair-stock.lua: [RepairStockCode, before]. */
    repairStock(
      stock: string,
      stream: string,
      expected: number,
      watermark: string,
    ): Result<[number, number], Context>
    /** take-units.lua: [TakeUnitsCode, remaining]. */
    takeUnits(
      stock: string,
      marker: string,
      generation: string,
      mode: 'take' | 'void',
      units: number,
      ttlSeconds: number,
      expected: string,
    ): Result<[number, number], Context>
    /** give-units.lua: [GiveUnitsCode, remaining]. */
    giveUnits(
      stock: string,
      marker: string,
      generation: string,
      units: number,
      ttlSeconds: number,
    ): Result<[number, number], Context>
  }
}

/** Snippets a script (or another snippet) can name in a `-- @include <file>` line. */
const SNIPPETS: Record<string, string> = {
  'generation.lua': generationLua,
  'integers.lua': integersLua,
  'order-state.lua': orderStateLua,
}

/**
 * A script as Redis runs it: its code table (`local Code = {...}`) first,
 * then the script with each `-- @include <file>` line replaced by that
 * snippet (itself expanded the same way; each snippet once per script), so
 * a layout or a code two languages share is written once.
 *
 * @example
 * scriptSource("return Code.Done", { Done: 1 }) // 'local Code = { Done = 1 }\nreturn Code.Done'
 */
export function scriptSource(lua: string, codes: ScriptCodes): string {
  const table = Object.entries(codes)
    .map(([name, value]) => `${name} = ${value}`)
    .join(', ')
  return `local Code = { ${table} }\n${expandIncludes(lua, new Set())}`
}

function expandIncludes(lua: string, included: Set<string>): string {
  return lua.replace(/^-- @include (\S+)$/gm, (_, file: string) => {
    const snippet = SNIPPETS[file]
    if (snippet === undefined) throw new Error(`no Lua snippet named ${file}`)
    if (included.has(file)) return ''
    included.add(file)
    return expandIncludes(snippet, included)
  })
}

const scripts = {
  // No fixed key count: ioredis takes it as the first argument.
  reserveOrders: { lua: scriptSource(reserveOrdersLua, ReserveCode) },
  moveOrders: { lua: scriptSource(moveOrdersLua, MoveCode) },
  adjustStock: { numberOfKeys: 1, lua: scriptSource(adjustStockLua, AdjustStockCode) },
  repairStock: { numberOfKeys: 2, lua: scriptSource(repairStockLua, RepairStockCode) },
  beginRecovery: { numberOfKeys: 2, lua: scriptSource(beginRecoveryLua, BeginRecoveryCode) },
  finishRecovery: { numberOfKeys: 2, lua: scriptSource(finishRecoveryLua, FinishRecoveryCode) },
  extendRecovery: { numberOfKeys: 1, lua: scriptSource(extendRecoveryLua, {}) },
  readGeneration: { numberOfKeys: 1, lua: scriptSource(readGenerationLua, {}) },
  takeUnits: { numberOfKeys: 3, lua: scriptSource(takeUnitsLua, TakeUnitsCode) },
  giveUnits: { numberOfKeys: 3, lua: scriptSource(giveUnitsLua, GiveUnitsCode) },
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
export function registerCommands(redis: RedisClient): void {
  if ('reserveOrders' in redis && typeof redis.reserveOrders === 'function') return
  for (const [name, script] of Object.entries(scripts)) redis.defineCommand(name, script)
}

/**
 * Loads every script into the server's cache (idempotent), on every master of
 * a cluster. Apps call it at start-up so the first buyer does not pay for it,
 * and from `GET /ready`, which it also heals after a SCRIPT FLUSH.
 *
 * @example
 * await loadScripts(redis) // throws if Redis does not answer
 */
export async function loadScripts(redis: RedisClient): Promise<void> {
  await Promise.all(
    (await mastersOf(redis)).flatMap((node) =>
      Object.values(scripts).map(({ lua }) => node.script('LOAD', lua)),
    ),
  )
}
