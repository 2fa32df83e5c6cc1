import type { RedisClient } from '@flash/redis'
import type { ConsumerCounters } from './counters.ts'
import { streamStats } from './stats.ts'

/** What the periodic stats line needs; `everyMs` 0 turns it off. */
export type StatsLogOptions = {
  redis: RedisClient
  stream: string
  group: string
  deadLetterStream: string
  everyMs: number
  line: (text: string) => void
  counters: () => ConsumerCounters
}

/**
 * Logs one line every `everyMs` with the group's backlog and this consumer's
 * counters. A tick never overlaps the previous one (a slow Redis would pile
 * them up), and `stop()` clears the timer and waits for a tick in flight, so
 * nothing outlives the consumer.
 *
 * @example
 * const stats = startStatsLog({ redis, stream, group, deadLetterStream, everyMs: 30_000, line: console.log, counters })
 * await stats.stop()
 */
export function startStatsLog(options: StatsLogOptions): { stop: () => Promise<void> } {
  let timer: ReturnType<typeof setTimeout> | undefined
  let tick: Promise<void> = Promise.resolve()
  let stopped = false

  const schedule = () => {
    if (stopped || options.everyMs <= 0) return
    timer = setTimeout(() => {
      tick = report().finally(schedule)
    }, options.everyMs)
  }

  async function report(): Promise<void> {
    try {
      const stats = await streamStats(options.redis, options.stream, options.group, {
        deadLetterStream: options.deadLetterStream,
      })
      const c = options.counters()
      options.line(
        `stats lag=${stats.lag} pending=${stats.pending} oldest-pending-idle-ms=${stats.oldestPendingIdleMs ?? 0} ` +
          `handled=${c.handled} failed=${c.failed} dead-lettered=${c.deadLettered} claimed=${c.claimed} ` +
          `length=${stats.length} dead-letters=${stats.deadLetters ?? 0}`,
      )
    } catch (error) {
      options.line(`stats unavailable: ${String(error)}`)
    }
  }

  schedule()
  return {
    async stop() {
      stopped = true
      clearTimeout(timer)
      await tick
    },
  }
}
