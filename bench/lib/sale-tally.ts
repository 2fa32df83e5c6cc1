import type { RedisClient } from '@flash/redis'
import { type KeySpace, offerKeys, streamKey } from '@flash/redis'
import type { SaleTally } from './correctness.ts'
import { countStatus } from './load.ts'
import type { Measurement } from './measure.ts'
import { rateOf } from './progress.ts'

/** A connection and the key prefix a scenario's data lives under. */
export type RedisSpace = { redis: RedisClient; space: KeySpace }

/**
 * Reads a sale's Redis counter once a second for the progress line, and
 * remembers the lowest value seen (stock must never go below zero). With
 * `partition`, the counter of the sale's bucket in that partition.
 *
 * @example
 * const probe = stockProbe(fixture.redis, saleId, 1000)
 * await measure(ctx, { ..., progress: probe.progress })
 * probe.lowest() // 0
 * await probe.sold() // units sold so far (a read, sampled too)
 */
export function stockProbe(at: RedisSpace, saleId: string, quantity: number, partition?: number) {
  const stockKey = offerKeys(at.space, { kind: 'sale', id: saleId }, partition).stock
  let lowest: number | undefined
  const sold = async () => {
    const left = Number(await at.redis.get(stockKey))
    lowest = Math.min(lowest ?? left, left)
    return quantity - left
  }
  return { progress: rateOf(sold, 'sold'), sold, lowest: () => lowest }
}

/**
 * The sale's counts for the correctness check (with `partition`, its
 * bucket's there). Stock and the order stream are read in one MULTI, so a
 * reservation landing in between cannot make them disagree, once the
 * stream has stopped growing.
 *
 * @example
 * const tally = await redisTally(fixture.redis, saleId, 1000, acceptedOf(m), probe.lowest())
 */
export async function redisTally(
  { redis, space }: RedisSpace,
  saleId: string,
  quantity: number,
  accepted: number,
  lowestStock?: number,
  partition?: number,
): Promise<SaleTally> {
  const keys = offerKeys(space, { kind: 'sale', id: saleId }, partition)
  const stream = streamKey(space, keys.partition, 'orders')
  const snapshot = async () => {
    const replies = (await redis.multi().get(keys.stock).xlen(stream).exec()) ?? []
    return { stockLeft: Number(replies[0]?.[1]), orders: Number(replies[1]?.[1]) }
  }
  const last = await settle(snapshot, (a, b) => a.orders === b.orders)
  return { quantity, ...last, lowestStock, accepted }
}

/**
 * 202 answers over the warm-up and the measured run: both placed real orders.
 *
 * @example
 * acceptedOf(measurement) // 104120
 */
export function acceptedOf(m: Pick<Measurement, 'load' | 'warmup'>): number {
  return countStatus(m.load.statuses, 202) + (m.warmup ? countStatus(m.warmup.statuses, 202) : 0)
}

/**
 * Reads until two reads `quietMs` apart agree (or two seconds pass): requests
 * wrk abandoned at its deadline may still be finishing on the server.
 *
 * @example
 * const counts = await settle(readCounts, (a, b) => a.orders === b.orders)
 */
export async function settle<T>(
  read: () => Promise<T>,
  same: (a: T, b: T) => boolean,
  quietMs = 100,
): Promise<T> {
  let last = await read()
  for (let waited = 0; waited < 2_000; waited += quietMs) {
    await Bun.sleep(quietMs)
    const now = await read()
    if (same(now, last)) return now
    last = now
  }
  return last
}

/** Entries read per XRANGE while counting a stream. */
const PAGE = 5_000

/**
 * Orders placed for a sale, counted entry by entry in its partition's orders
 * stream: once a worker runs, the stream also carries each order's moves
 * (paid, shipped...), so its length is no longer the orders placed.
 *
 * @example
 * await placedOrders(fixture.redis, saleId) // 14132
 */
export async function placedOrders({ redis, space }: RedisSpace, saleId: string): Promise<number> {
  const { partition } = offerKeys(space, { kind: 'sale', id: saleId })
  const stream = streamKey(space, partition, 'orders')
  let placed = 0
  for (let from = '-'; ; ) {
    const entries = await redis.xrange(stream, from, '+', 'COUNT', PAGE)
    for (const [, fields] of entries) {
      const json = fields[fields.indexOf('json') + 1] ?? '{}'
      const event = JSON.parse(json) as { type?: string; saleId?: string }
      if (event.type === 'order.placed' && event.saleId === saleId) placed++
    }
    const last = entries.at(-1)
    if (!last || entries.length < PAGE) return placed
    from = `(${last[0]}`
  }
}
