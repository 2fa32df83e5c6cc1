import { Cron } from 'croner'
import { balanceSales } from './buckets/balance.ts'
import type { WorkerContext } from './context.ts'
import { advanceOrderStatuses, type StatusTimings } from './jobs/order-statuses.ts'
import { expireUnpaidOrders } from './jobs/payment-timeout.ts'
import { reconcileSales } from './jobs/reconcile.ts'
import { syncStock } from './jobs/stock-sync.ts'
import { trimStreams } from './jobs/trim-streams.ts'

export type ScheduleConfig = {
  /** Croner patterns (seconds field first). */
  statusesEvery: string
  paymentTimeoutEvery: string
  reconcileEvery: string
  stockSyncEvery: string
  trimEvery: string
  /** Milliseconds between two ticks of the bucket balancer (too often for a croner pattern). */
  bucketBalanceMs: number
  timings: StatusTimings
  paymentTimeoutMs: number
  /** Where payment-timeout rollbacks go (partition 0's stream; the rollback consumer finds any order). */
  rollbacksStream: string
  /** The clock; tests pass their own. */
  now?: () => Date
}

/**
 * Starts the worker's schedules. `protect` keeps a run from starting while
 * the previous one is still going; every job is also safe to run twice.
 * The bucket balancer runs every `bucketBalanceMs`, each tick starting that
 * long after the previous one ended; it and reconciliation share a lock
 * (buckets/stock-lock.ts), so they never interleave.
 *
 * @example
 * const schedules = startSchedules(ctx, config)
 * schedules.stop()
 */
export function startSchedules(ctx: WorkerContext, config: ScheduleConfig): { stop: () => void } {
  const now = config.now ?? (() => new Date())
  const run = (name: string, job: () => Promise<unknown>) => async () => {
    try {
      const result = await job()
      if (result && typeof result === 'object' && Object.values(result).some((n) => Number(n) > 0))
        ctx.log(`[schedule] ${name}: ${JSON.stringify(result)}`)
    } catch (error) {
      ctx.log(`[schedule] ${name} failed: ${String(error)}`)
    }
  }
  const jobs = [
    new Cron(
      config.statusesEvery,
      { protect: true, name: 'order-statuses' },
      run('order-statuses', () => advanceOrderStatuses(ctx, now(), config.timings)),
    ),
    new Cron(
      config.paymentTimeoutEvery,
      { protect: true, name: 'payment-timeout' },
      run('payment-timeout', async () => ({
        expired: await expireUnpaidOrders(
          ctx,
          now(),
          config.paymentTimeoutMs,
          config.rollbacksStream,
        ),
      })),
    ),
    new Cron(
      config.reconcileEvery,
      { protect: true, name: 'reconcile' },
      run('reconcile', async () => ({
        repaired: (await reconcileSales(ctx, now())).repaired,
      })),
    ),
    new Cron(
      config.trimEvery,
      { protect: true, name: 'trim-streams' },
      run('trim-streams', async () => ({ trimmed: await trimStreams(ctx) })),
    ),
    new Cron(
      config.stockSyncEvery,
      { protect: true, name: 'stock-sync' },
      run('stock-sync', async () => ({
        synced: await syncStock(ctx, now()),
      })),
    ),
  ]
  const balancer = every(
    config.bucketBalanceMs,
    run('balance', () => balanceSales(ctx, now())),
  )
  return {
    stop: () => {
      for (const job of jobs) job.stop()
      balancer.stop()
    },
  }
}

/** Runs `job` every `ms` after the previous run ended (runs never overlap), until stopped. */
function every(ms: number, job: () => Promise<void>): { stop: () => void } {
  let stopped = false
  let timer: Timer | undefined
  const schedule = () => {
    timer = setTimeout(async () => {
      await job()
      if (!stopped) schedule()
    }, ms)
  }
  schedule()
  return {
    stop: () => {
      stopped = true
      clearTimeout(timer)
    },
  }
}
