import { type RecoverySettings, recoverRedis } from '@flash/redis/recovery'
import { lastAppliedEntryId } from '../consumers/stream-marks.ts'
import type { WorkerContext } from '../context.ts'
import { CONSUMER_GROUPS } from './consumer-groups.ts'

/**
 * Watches every partition's generation and recovers the ones that are not
 * current (`recoverRedis`): at once, then every `everyMs`. A current
 * partition costs one small script call per round; a Redis that came back
 * empty, or restarted from an older file or on a lagging replica, is noticed
 * within a round and repaired from MySQL, while checkout answers 503 with
 * Retry-After (never 404) and the worker's moves wait. Rounds never
 * overlap; a failed round (MySQL or Redis down) is logged and tried again
 * on the next.
 *
 * @example
 * const watch = watchRedis(ctx, { everyMs: 1000, settings })
 * await watch.stop()
 */
export function watchRedis(
  ctx: WorkerContext,
  options: { everyMs: number; settings: RecoverySettings },
): { stop: () => Promise<void> } {
  let stopped = false
  let timer: Timer | undefined
  let lastError = ''
  const round = async () => {
    try {
      await recoverRedis(ctx, {
        ...options.settings,
        groups: CONSUMER_GROUPS,
        appliedEntryId: (stream) => lastAppliedEntryId(ctx.db, stream),
      })
      lastError = ''
    } catch (error) {
      // One line per distinct failure, not one a second while a dependency is down.
      const text = String(error)
      if (text !== lastError) ctx.log(`[recovery] round failed, retrying: ${text}`)
      lastError = text
    }
  }
  let running = round()
  const schedule = () => {
    timer = setTimeout(() => {
      running = round().then(() => {
        if (!stopped) schedule()
      })
    }, options.everyMs)
  }
  running.then(() => {
    if (!stopped) schedule()
  })
  return {
    stop: async () => {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}
