import type { OrderStatus } from '@flash/contracts'
import { err, ok, type Result, ResultAsync } from 'neverthrow'
import type { RedisClient } from './client.ts'
import type { MoveReply } from './commands.ts'
import { RecoveringError } from './generation.ts'
import { generationKey, type KeySpace, type Offer, offerKeys, orderKey, streamKey } from './keys.ts'
import type { OrderState } from './order-state.ts'
import { MoveCode } from './script-codes.ts'

export type MoveRequest = {
  /** Only this buyer's order; null for the worker, which acts on any order. */
  userId: string | null
  from: readonly OrderStatus[]
  to: OrderStatus
  /** Give the units back to stock and the buyer's slot (cancel, failure, return). */
  restore: boolean
  ttlSeconds: number
  /** Refuse when the current status is older than this (the return window). */
  maxAgeMs?: number
}

export type MoveOutcome = { type: 'Moved' | 'AlreadyThere'; updatedAt: Date }
export type MoveRefusal =
  | { type: 'NoSuchOrder' }
  | { type: 'NotAllowed'; status: OrderStatus }
  | { type: 'TooLate'; status: OrderStatus }
  | { type: 'RedisUnavailable'; cause: unknown }

/**
 * Moves one order found with `findOrderState` to another status: a batch of
 * one for move-orders.lua, the one script every move goes through.
 *
 * @example
 * await moveOrderState(redis, space, state, { userId, from: ['pending', 'paid'], to: 'cancelled', restore: true, ttlSeconds: 86400 })
 */
export function moveOrderState(
  redis: RedisClient,
  space: KeySpace,
  state: OrderState,
  request: MoveRequest,
): ResultAsync<MoveOutcome, MoveRefusal> {
  return moveOrderStates(redis, space, [{ state, request }]).andThen(([result]) => {
    if (!result) throw new Error('move-orders.lua answered no order')
    return result
  })
}

/** At most this many orders per script call, so one call never holds Redis for long. */
const CHUNK = 200

/**
 * Moves a batch of orders, each exactly as `moveOrderState` would, with one
 * call of move-orders.lua per partition (and per 200 orders) instead of one
 * per order. Answers one result per item, in order; fails as a whole when
 * Redis does not answer, refused to move an order at all (a key of
 * another type: that order changed nothing, the others moved), or a
 * partition is being recovered (its live states may be older than MySQL:
 * the cause is a `RecoveringError`, and nothing of that partition moved). Callers
 * retry a failed batch whole, so failing it keeps "could not move" apart
 * from "not allowed"; asking again answers AlreadyThere for the orders that
 * moved.
 *
 * @example
 * const results = await moveOrderStates(redis, space, [{ state, request }])
 * results.map((r) => r.isOk() && r.value.type) // ['Moved']
 */
export function moveOrderStates(
  redis: RedisClient,
  space: KeySpace,
  items: readonly { state: OrderState; request: MoveRequest }[],
): ResultAsync<Result<MoveOutcome, MoveRefusal>[], { type: 'RedisUnavailable'; cause: unknown }> {
  const chunks: number[][] = []
  const byPartition = Map.groupBy(items.keys(), (i) => items[i]?.state.partition ?? 0)
  for (const indexes of byPartition.values())
    for (let at = 0; at < indexes.length; at += CHUNK) chunks.push(indexes.slice(at, at + CHUNK))
  const calls = chunks.map(async (indexes) => {
    const partition = items[indexes[0] as number]?.state.partition ?? 0
    const keys: string[] = [generationKey(space, partition)]
    const args: (string | number)[] = []
    for (const i of indexes) {
      const { state, request } = items[i] as (typeof items)[number]
      keys.push(...moveKeys(space, state))
      args.push(...moveArgs(request))
    }
    const replies = await redis.moveOrders(keys.length, ...keys, ...args)
    if (replies[0]?.[0] === MoveCode.Recovering) throw new RecoveringError(partition)
    return indexes.map((i, n) => [i, replies[n]] as const)
  })
  return ResultAsync.fromPromise(Promise.all(calls), (cause) => ({
    type: 'RedisUnavailable' as const,
    cause,
  })).andThen((answered) => {
    const results: Result<MoveOutcome, MoveRefusal>[] = []
    const refused: string[] = []
    for (const [i, reply] of answered.flat()) {
      if (!reply) throw new Error('move-orders.lua answered fewer orders than it was given')
      if (reply[0] === MoveCode.CommandFailed)
        refused.push(`order ${items[i]?.state.id}: ${reply[1]}`)
      else results[i] = outcomeOf(reply)
    }
    if (refused.length > 0)
      return err({
        type: 'RedisUnavailable' as const,
        cause: new Error(`move-orders.lua moved nothing for ${refused.join('; ')}`),
      })
    return ok(results)
  })
}

/** The script's keys for an order: its state, its offer's stock and buyers in its partition, that partition's stream. */
function moveKeys(space: KeySpace, state: OrderState): [string, string, string, string] {
  const offer: Offer = state.saleId
    ? { kind: 'sale', id: state.saleId }
    : { kind: 'product', id: state.productId }
  // The order's own partition: for a bucketed sale, the bucket it took its units from.
  const keys = offerKeys(space, offer, state.partition)
  return [
    orderKey(space, state.partition, state.id),
    keys.stock,
    keys.buyers,
    streamKey(space, state.partition, 'orders'),
  ]
}

function moveArgs(request: MoveRequest): [string, string, string, '0' | '1', number, number] {
  return [
    request.userId ?? '',
    request.from.join(' '),
    request.to,
    request.restore ? '1' : '0',
    request.ttlSeconds,
    request.maxAgeMs ?? 0,
  ]
}

/** The one place move-orders.lua's codes are given meaning. */
function outcomeOf([code, status, updatedAtMs]: MoveReply): Result<MoveOutcome, MoveRefusal> {
  const current = status as OrderStatus
  switch (code) {
    case MoveCode.Moved:
      return ok({ type: 'Moved', updatedAt: new Date(updatedAtMs) })
    case MoveCode.AlreadyThere:
      return ok({ type: 'AlreadyThere', updatedAt: new Date(updatedAtMs) })
    case MoveCode.NoSuchOrder:
      return err({ type: 'NoSuchOrder' })
    case MoveCode.NotAllowed:
      return err({ type: 'NotAllowed', status: current })
    case MoveCode.TooLate:
      return err({ type: 'TooLate', status: current })
    default:
      throw new Error(`move-orders.lua answered an unknown code ${code}`)
  }
}
