import type { RedisClient } from '@flash/redis'
import { readFailures } from './failures.ts'
import { deliveryCounts } from './pending.ts'

/**
 * What the group knows of an entry read again: how often Redis delivered it
 * (this delivery included; deliveries whose failure was not the entry's fault
 * were taken back) and how many of those the handler failed with an error of
 * the entry's own.
 */
export type History = { deliveries: number; failures: number }

/**
 * Each entry's history, from XPENDING and the failures hash at once.
 *
 * @example
 * const history = await readHistory(redis, stream, 'order-writer', ['1-0'])
 * history.get('1-0') // { deliveries: 4, failures: 1 }
 */
export async function readHistory(
  redis: RedisClient,
  stream: string,
  group: string,
  ids: string[],
): Promise<Map<string, History>> {
  const [deliveries, failures] = await Promise.all([
    deliveryCounts(redis, stream, group, ids),
    readFailures(redis, stream, group, ids),
  ])
  const history = new Map<string, History>()
  for (const id of ids)
    history.set(id, { deliveries: deliveries.get(id) ?? 0, failures: failures.get(id) ?? 0 })
  return history
}

/**
 * Earlier deliveries that ended without any answer from the handler: neither
 * a failure of the entry's own nor one that was taken back. The process died
 * (or was killed) with the entry in hand, or Redis went away mid-round.
 *
 * @example
 * unanswered({ deliveries: 4, failures: 1 }) // 2: one failure, two deaths, and this delivery
 */
export function unanswered(history: History | undefined): number {
  return history ? Math.max(0, history.deliveries - 1 - history.failures) : 0
}
