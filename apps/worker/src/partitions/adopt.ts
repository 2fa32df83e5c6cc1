import { streamKey } from '@flash/redis'
import { waitedLongerThan } from '@flash/streams'
import type { WorkerContext } from '../context.ts'
import { CONSUMER_GROUPS } from '../recovery/consumer-groups.ts'

export type AdoptOptions = {
  /** The partitions this worker consumes already. */
  home: readonly number[]
  /** Work waiting this long in another partition makes this worker consume it too. */
  afterMs: number
  /** How often the other partitions are looked at. */
  everyMs: number
  /** Starts this worker's consumers on `partition`. */
  adopt: (partition: number) => void
}

/**
 * Keeps a partition from being stranded when its home worker is gone: every
 * `everyMs`, each partition this worker does not consume is looked at, and
 * one where any consumer group has had work waiting longer than `afterMs`
 * (an entry nobody read, or one its reader died holding: `waitedLongerThan`)
 * is adopted: this worker consumes it too, from then until it stops. Its
 * consumers' janitors then reclaim what the dead worker held. The supervisor
 * restarts a dead worker within seconds, so this is for one that stays down
 * (or cannot keep up); two workers on one partition is safe, as every
 * handler is idempotent and moves each order in order (README, "Several processes on one machine").
 * A failed look (Redis down) is logged once and tried again next time.
 *
 * @example
 * const watch = watchOtherPartitions(ctx, { home: [0], afterMs: 30_000, everyMs: 5_000, adopt: (p) => worker.consume(p) })
 * watch.stop()
 */
export function watchOtherPartitions(
  ctx: WorkerContext,
  options: AdoptOptions,
): { stop: () => Promise<void> } {
  const others = new Set<number>()
  for (let partition = 0; partition < ctx.space.partitions; partition++)
    if (!options.home.includes(partition)) others.add(partition)
  let stopped = false
  let timer: Timer | undefined
  let lastError = ''
  const stranded = async (partition: number) => {
    for (const [name, group] of CONSUMER_GROUPS)
      if (
        await waitedLongerThan(
          ctx.redis,
          streamKey(ctx.space, partition, name),
          group,
          options.afterMs,
        )
      )
        return `${name} (${group})`
    return undefined
  }
  const round = async () => {
    try {
      for (const partition of others) {
        if (stopped) return
        const waiting = await stranded(partition)
        if (waiting === undefined) continue
        others.delete(partition)
        ctx.log(
          `[partitions] partition ${partition} has had work waiting over ${options.afterMs / 1000} s in ${waiting}: its worker is down or behind; consuming it here too from now on`,
        )
        options.adopt(partition)
      }
      lastError = ''
    } catch (error) {
      const text = String(error)
      if (text !== lastError)
        ctx.log(`[partitions] looking at other partitions failed, retrying: ${text}`)
      lastError = text
    }
  }
  let running: Promise<void> = Promise.resolve()
  const schedule = () => {
    if (stopped || others.size === 0) return
    timer = setTimeout(() => {
      running = round().then(schedule)
    }, options.everyMs)
  }
  schedule()
  return {
    stop: async () => {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}
