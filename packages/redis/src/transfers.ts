import type { RedisClient } from './client.ts'
import { generationKey, type KeySpace, offerKeys, transferKey } from './keys.ts'
import { GiveUnitsCode, TakeUnitsCode } from './script-codes.ts'

/**
 * How long a transfer's marker lasts in a bucket (written by take-units.lua,
 * give-units.lua and a rebuild): it must outlive
 * every later attempt at the step it answers for, or a give after it
 * expired would add units the rebuilt stock already counts (an oversell).
 * While a worker runs, the balancer resumes every unfinished transfer on
 * each tick (half a second), so a 'moved' transfer is given within seconds
 * of its partition being current again. But a rebuild may be run by the
 * seed or another process while the worker is down, and the give then waits
 * for the worker: a week covers a worker down over a long weekend, at the
 * cost of one small key per transfer. (A day, the least the design allows,
 * would not.)
 */
export const TRANSFER_MARKER_TTL_SECONDS = 7 * 86_400

/** One side of a stock transfer: the bucket (by its partition) units leave or arrive in. */
export type TransferLeg = {
  transferId: string
  saleId: string
  /** The bucket's partition (`bucketPartition(space, saleId, bucket)`). */
  partition: number
  units: number
}

/**
 * How to call take-units.lua: `take` right after the transfer was recorded
 * in MySQL, with the partition's generation marker as read before that
 * (`readGeneration(...).marker`: a recovery since then answers Recovering);
 * `void` when resuming a transfer found in 'taking' (it takes nothing: it
 * learns whether the take happened, and forbids a late one).
 */
export type TakeMode = { mode: 'take'; generation: string } | { mode: 'void' }

/** What take-units.lua answered: the units left the bucket, never will, or the partition is being recovered. */
export type TakeOutcome =
  | { type: 'Taken'; remaining: number }
  | { type: 'Void'; remaining: number }
  | { type: 'Recovering'; partition: number }

/** What give-units.lua answered: the units arrived now, had arrived before, or the partition is being recovered. */
export type GiveOutcome =
  | { type: 'Given'; remaining: number }
  | { type: 'AlreadyGiven'; remaining: number }
  | { type: 'Recovering'; partition: number }

/**
 * Takes a transfer's units out of the giving bucket, once per transfer id
 * (take-units.lua): if it holds at least that many, they leave it (Taken),
 * else the transfer is void there for good (Void). Asked again, it answers
 * the same word without changing anything.
 *
 * @example
 * const generation = (await readGeneration(redis, space, leg.partition)).marker
 * await takeUnits(redis, space, leg, { mode: 'take', generation }, 604_800) // { type: 'Taken', remaining: 40 }
 */
export async function takeUnits(
  redis: RedisClient,
  space: KeySpace,
  leg: TransferLeg,
  how: TakeMode,
  ttlSeconds: number,
): Promise<TakeOutcome> {
  const [code, remaining] = await redis.takeUnits(
    offerKeys(space, { kind: 'sale', id: leg.saleId }, leg.partition).stock,
    transferKey(space, leg.partition, leg.transferId),
    generationKey(space, leg.partition),
    how.mode,
    leg.units,
    ttlSeconds,
    how.mode === 'take' ? how.generation : '',
  )
  switch (code) {
    case TakeUnitsCode.Taken:
      return { type: 'Taken', remaining }
    case TakeUnitsCode.Void:
      return { type: 'Void', remaining }
    case TakeUnitsCode.Recovering:
      return { type: 'Recovering', partition: leg.partition }
    default:
      throw new Error(`take-units.lua answered an unknown code ${code}`)
  }
}

/**
 * Adds a transfer's units to the receiving bucket, once per transfer id
 * (give-units.lua): a retry, or a give after a recovery whose rebuilt stock
 * already counts them, answers AlreadyGiven and adds nothing.
 *
 * @example
 * await giveUnits(redis, space, leg, 604_800) // { type: 'Given', remaining: 25 }
 */
export async function giveUnits(
  redis: RedisClient,
  space: KeySpace,
  leg: TransferLeg,
  ttlSeconds: number,
): Promise<GiveOutcome> {
  const [code, remaining] = await redis.giveUnits(
    offerKeys(space, { kind: 'sale', id: leg.saleId }, leg.partition).stock,
    transferKey(space, leg.partition, leg.transferId),
    generationKey(space, leg.partition),
    leg.units,
    ttlSeconds,
  )
  switch (code) {
    case GiveUnitsCode.Given:
      return { type: 'Given', remaining }
    case GiveUnitsCode.AlreadyGiven:
      return { type: 'AlreadyGiven', remaining }
    case GiveUnitsCode.Recovering:
      return { type: 'Recovering', partition: leg.partition }
    default:
      throw new Error(`give-units.lua answered an unknown code ${code}`)
  }
}
