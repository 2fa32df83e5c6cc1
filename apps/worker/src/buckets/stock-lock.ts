/**
 * The one lock the balancer and reconciliation share in a worker process.
 * Reconciliation sets a sale's Redis stock to what MySQL says (allotment
 * minus the units its orders hold), guarded by the orders stream's last
 * entry; a transfer's take and give change a bucket's stock without writing
 * to that stream, so a repair computed before a take and written after it
 * would put the taken units back. Holding this lock, neither job runs
 * while the other does. Both run only where the schedules run (worker 1:
 * scripts/start.ts), so a lock in the process is enough. It is the module's
 * own and not a field of the WorkerContext, so that no context built
 * anywhere (a test's, a spread copy) can come without it.
 *
 * @example
 * await withStockLock(() => reconcileSales(ctx, new Date()))
 */
export function withStockLock<T>(job: () => Promise<T>): Promise<T> {
  const run = tail.then(job)
  // The next job waits for this one, whether it succeeded or failed.
  tail = run.then(
    () => undefined,
    () => undefined,
  )
  return run
}

let tail: Promise<void> = Promise.resolve()
