import { join } from 'node:path'
import { releasedStatuses } from '@flash/contracts'
import { orders } from '@flash/db'
import type { Db } from '@flash/db/client'
import { freePort } from '@flash/devstack'
import { waitFor } from '@flash/testing'
import { and, count, eq, inArray, type SQL } from 'drizzle-orm'
import type { Fixture } from './fixture.ts'
import { type Proc, startApp, startProcess, waitHealthy } from './processes.ts'
import { startTicker } from './progress.ts'
import type { Watched } from './usage.ts'

/**
 * The order pipeline behind checkout: the payment/e-mail sandbox and one
 * worker process (schedules off: only the stream consumers run).
 *
 * @example
 * await using pipeline = await startPipeline(fixture, logDir)
 * await pipeline.ready // the worker is consuming
 */
export type Pipeline = {
  sandboxUrl: string
  watched: Watched[]
  /** Resolves with performance.now() once the worker says it is consuming. */
  ready: Promise<number>
  [Symbol.asyncDispose]: () => Promise<void>
}

/**
 * Starts the sandbox (declining 20% of payments by default, seeded, so the
 * failure path runs too) and then the worker on the fixture's database,
 * prefix and partitions.
 *
 * @example
 * await using pipeline = await startPipeline(fixture, logDir)
 * await using paying = await startPipeline(fixture, logDir, { declineRate: 0 })
 */
export async function startPipeline(
  fixture: Fixture,
  logDir: string,
  { declineRate = 0.2 }: { declineRate?: number } = {},
): Promise<Pipeline> {
  const port = await freePort()
  const sandboxUrl = `http://127.0.0.1:${port}`
  const sandbox = startProcess(
    'sandbox',
    ['bun', 'apps/sandbox/src/index.ts'],
    { PORT: String(port), SANDBOX_DECLINE_RATE: String(declineRate), SANDBOX_SEED: 'bench' },
    join(logDir, 'sandbox.log'),
  )
  const procs: Proc[] = [sandbox]
  const dispose = async () => {
    for (const proc of procs.reverse()) await proc.stop()
  }
  try {
    await waitHealthy(sandbox, sandboxUrl)
    const worker = startApp(
      'worker',
      {
        DATABASE_URL: fixture.database.url,
        REDIS_URL: fixture.redis.url,
        REDIS_PREFIX: fixture.redis.prefix,
        REDIS_PARTITIONS: String(fixture.redis.space.partitions),
        PAYMENT_URL: sandboxUrl,
        RESEND_BASE_URL: sandboxUrl,
        SCHEDULES: 'off',
      },
      logDir,
    )
    procs.push(worker)
    return {
      sandboxUrl,
      watched: procs.map((p) => ({ name: p.name, pid: p.pid })),
      ready: whenLogged(worker, 'consuming'),
      [Symbol.asyncDispose]: dispose,
    }
  } catch (error) {
    await dispose()
    throw error
  }
}

/** Polls the process's log for a line; the worker prints one when its consumers run. */
async function whenLogged(proc: Proc, text: string): Promise<number> {
  for (;;) {
    if ((await Bun.file(proc.logFile).text()).includes(text)) return performance.now()
    if (proc.exitReason()) throw new Error(`${proc.name} ${proc.exitReason()} before "${text}"`)
    await Bun.sleep(10)
  }
}

/**
 * Waits until `expected` orders are paid or failed in MySQL, printing
 * progress; gives up after `timeoutMs` and says how far it got, so a stuck
 * pipeline shows up as lost orders rather than a hang.
 *
 * @example
 * const { settled, at } = await waitSettled(db, 5000, { saleId })
 */
export async function waitSettled(
  db: Db,
  expected: number,
  { saleId, timeoutMs = 120_000 }: { saleId?: string; timeoutMs?: number } = {},
): Promise<{ settled: number; at: number }> {
  const where = (extra?: SQL) => and(saleId ? eq(orders.saleId, saleId) : undefined, extra)
  const settledNow = async () => {
    const [row] = await db
      .select({ n: count() })
      .from(orders)
      .where(where(inArray(orders.status, ['paid', 'failed'])))
    return row?.n ?? 0
  }
  let settled = 0
  const ticker = startTicker(
    'drain',
    0,
    async () => `settled ${settled.toLocaleString('en-US')}/${expected.toLocaleString('en-US')}`,
  )
  const deadline = performance.now() + timeoutMs
  try {
    while (settled < expected && performance.now() < deadline) {
      settled = await settledNow()
      if (settled < expected) await Bun.sleep(25)
    }
  } finally {
    ticker.stop()
  }
  return { settled, at: performance.now() }
}

/**
 * Order rows for a sale (any status): what MySQL holds.
 *
 * @example
 * await persistedOrders(db, saleId) // 1000
 */
export async function persistedOrders(db: Db, saleId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(orders).where(eq(orders.saleId, saleId))
  return row?.n ?? 0
}

/**
 * The sandbox's payment ledger: one charge per order is correct.
 *
 * @example
 * const { charges, distinctOrders } = await paymentStats(sandboxUrl)
 */
export async function paymentStats(
  sandboxUrl: string,
): Promise<{ charges: number; distinctOrders: number; declines: number }> {
  const response = await fetch(`${sandboxUrl}/payments/stats`)
  if (!response.ok) throw new Error(`GET /payments/stats answered ${response.status}`)
  return (await response.json()) as { charges: number; distinctOrders: number; declines: number }
}

/** A charge as `GET /payments` lists it (the fields read here). */
type ListedCharge = {
  orderId: string
  status: 'processing' | 'succeeded' | 'declined'
  refundedAt: string | null
}

/** Order ids per MySQL query (an IN list of this many stays well under any packet limit). */
const IDS_PER_QUERY = 5_000

/**
 * Orders of the sale that did not keep their units (failed, cancelled or
 * returned in MySQL) whose charge the sandbox still keeps (succeeded, not
 * refunded), and the charges still processing: both must be 0 once the
 * orders settled. Refunds are given back by a consumer of their own, so while
 * either is above 0 it asks again, for up to `graceMs`.
 *
 * @example
 * const { keptCharges, processingCharges } = await chargeLeftovers(db, sandboxUrl, saleId)
 */
export async function chargeLeftovers(
  db: Db,
  sandboxUrl: string,
  saleId: string,
  { graceMs = 5_000 }: { graceMs?: number } = {},
): Promise<{ keptCharges: number; processingCharges: number }> {
  const clean = await waitFor(
    async () => {
      const found = await countChargeLeftovers(db, sandboxUrl, saleId)
      return found.keptCharges === 0 && found.processingCharges === 0 ? found : undefined
    },
    {
      what: 'refunds of charges for orders that gave their units back',
      timeoutMs: graceMs,
      intervalMs: 250,
    },
  ).catch(() => null)
  // Still not clean once the grace is over: the counts are the finding.
  return clean ?? countChargeLeftovers(db, sandboxUrl, saleId)
}

async function countChargeLeftovers(
  db: Db,
  sandboxUrl: string,
  saleId: string,
): Promise<{ keptCharges: number; processingCharges: number }> {
  const response = await fetch(`${sandboxUrl}/payments`)
  if (!response.ok) throw new Error(`GET /payments answered ${response.status}`)
  const { items } = (await response.json()) as { items: ListedCharge[] }
  const kept = [
    ...new Set(
      items.filter((c) => c.status === 'succeeded' && c.refundedAt === null).map((c) => c.orderId),
    ),
  ]
  let keptCharges = 0
  for (let from = 0; from < kept.length; from += IDS_PER_QUERY) {
    const [row] = await db
      .select({ n: count() })
      .from(orders)
      .where(
        and(
          eq(orders.saleId, saleId),
          inArray(orders.status, [...releasedStatuses]),
          inArray(orders.id, kept.slice(from, from + IDS_PER_QUERY)),
        ),
      )
    keptCharges += row?.n ?? 0
  }
  return {
    keptCharges,
    processingCharges: items.filter((c) => c.status === 'processing').length,
  }
}
