/**
 * The stampede spread over one sale in each partition: the load that shows
 * whether partitions on several Redis masters share the work.
 */
import { bucketAllotments, bucketPartition, partitionOf } from '@flash/redis'
import { type CheckoutStack, type StackOptions, startCheckoutStack } from '../lib/checkout-stack.ts'
import { judgeSales, type Verdict } from '../lib/correctness.ts'
import { countStatus } from '../lib/load.ts'
import { describeLoad, type Measurement, measure } from '../lib/measure.ts'
import { persistedOrders, startPipeline, waitSettled } from '../lib/pipeline.ts'
import { rateOf } from '../lib/progress.ts'
import { acceptedOf, placedOrders, redisTally, stockProbe } from '../lib/sale-tally.ts'
import type { ScenarioContext, ScenarioResult } from '../lib/scenario.ts'

/** More units than any run sells: the stampede never reaches sold-out. */
const UNLIMITED = 10_000_000

/**
 * What a caller can do on the stack while the load runs (kill a Redis
 * master, say), given `sold()`, the units sold so far over every sale; the
 * scenario waits for it after the load and adds its facts.
 */
export type DuringLoad = (
  stack: CheckoutStack,
  sold: () => Promise<number>,
) => Promise<Record<string, number | string>>

/**
 * One stampede over `partitions` sales, one per partition, each request going
 * to the next sale in turn, on a stack of its own (REDIS_PARTITIONS =
 * `partitions`); judged sale by sale.
 *
 * @example
 * await spreadStampede(ctx, { name: 'x', summary: '...', partitions: 3, stack: { logDir, redis } })
 */
export async function spreadStampede(
  ctx: ScenarioContext,
  variant: {
    name: string
    summary: string
    partitions: number
    stack: Omit<StackOptions, 'buyers' | 'partitions'>
    /** Overrides the measured run's length (a fault needs time to come and go). */
    seconds?: number
    during?: DuringLoad
    /**
     * A worker (and the payment sandbox, approving every charge, so no
     * rollback gives units back) beside checkout: its recovery restamps a
     * partition whose Redis restarted, and every order must reach MySQL.
     */
    pipeline?: boolean
    /**
     * With the pipeline, where each sale's orders are counted: its
     * partition's stream (default), or MySQL once settled, for a run whose
     * Redis lost a stream and was rebuilt from MySQL.
     */
    ordersIn?: 'stream' | 'mysql'
    /**
     * Asked once every order has settled: more facts, and the answers 202
     * the run expects to miss (orders lost with a Redis's data, as
     * checkout's ledger counts them), taken off the 202s before judging.
     */
    /**
     * One hot sale instead of a sale per partition: unsplit (`buckets: 1`, all
     * its orders in one partition) or split into buckets, one per partition.
     * Tallied bucket by bucket.
     */
    hotSale?: { buckets: number }
    settled?: () => Promise<{
      facts: Record<string, number | string>
      excused?: { count: number; why: string }
      /** Orders known lost some other way (checkout's ledger where nothing may be lost). */
      lost?: { count: number; why: string }
    }>
  },
): Promise<ScenarioResult> {
  await using stack = await startCheckoutStack({
    buyers: ctx.options.buyers,
    partitions: variant.partitions,
    ...variant.stack,
  })
  await using pipeline = variant.pipeline
    ? await startPipeline(stack.fixture, variant.stack.logDir, { declineRate: 0 })
    : undefined
  await pipeline?.ready
  const cells = variant.hotSale
    ? await hotSaleCells(stack, variant.hotSale.buckets)
    : (await salePerPartition(stack, variant.partitions)).map((saleId, partition) => ({
        saleId,
        partition,
        quantity: UNLIMITED,
      }))
  const saleIds = [...new Set(cells.map((cell) => cell.saleId))]
  const probes = cells.map((cell) =>
    stockProbe(stack.fixture.redis, cell.saleId, cell.quantity, cell.partition),
  )
  const sold = async () => (await Promise.all(probes.map((p) => p.sold()))).reduce((a, b) => a + b)
  // Settled either way: a fault that fails mid-load must fail the scenario, not the process.
  let during: Promise<{ facts: Record<string, number | string> } | { error: unknown }> | undefined
  const m: Measurement = await measure(ctx, {
    label: variant.name,
    url: stack.url,
    script: 'orders.lua',
    env: {
      BENCH_TOKENS: stack.fixture.tokensFile,
      BENCH_BODIES: saleIds.map((saleId) => JSON.stringify({ saleId, quantity: 1 })).join('\n'),
    },
    watched: [...stack.watched, ...(pipeline?.watched ?? [])],
    seconds: variant.seconds,
    progress: rateOf(async () => {
      // The first tick of the measured run starts what the caller does during the load.
      during ??= variant.during?.(stack, sold).then(
        (facts) => ({ facts }),
        (error: unknown) => ({ error }),
      )
      return sold()
    }, 'sold'),
  })
  const done = await during
  if (done && 'error' in done) throw done.error
  const facts = done?.facts ?? {}
  const inRedis = await Promise.all(
    cells.map(async ({ saleId, partition, quantity }, i) => ({
      label: `partition ${partition}`,
      ...(await redisTally(
        stack.fixture.redis,
        saleId,
        quantity,
        0,
        probes[i]?.lowest(),
        partition,
      )),
    })),
  )
  if (pipeline && variant.hotSale && variant.hotSale.buckets > 1)
    throw new Error('spreadStampede: a split hot sale is tallied in Redis only (no pipeline)')
  const tallies = pipeline
    ? await withPersisted(stack, saleIds, inRedis, variant.ordersIn ?? 'stream')
    : inRedis
  const after = await variant.settled?.()
  Object.assign(facts, after?.facts)
  const excused = after?.excused?.count ?? 0
  if (after?.excused) facts[`202s without an order, excused: ${after.excused.why}`] = excused
  const verdict = withLost(judgeSales(tallies, acceptedOf(m) - excused), after?.lost)
  console.log(`  ${variant.name}: ${describeLoad(m.load)}`)
  console.log(
    `  ${variant.name}: sold ${tallies.map((t) => t.quantity - t.stockLeft).join(' + ')} = ${verdict.sold}, ` +
      `${verdict.cutOff} cut off by the deadline, ${verdict.ok ? 'correct' : verdict.problems.join('; ')}`,
  )
  return {
    name: variant.name,
    summary: variant.summary,
    load: m.load,
    processes: m.processes,
    verdict,
    facts: {
      answers_503: countStatus(m.load.statuses, 503),
      ...Object.fromEntries(
        tallies.map((t) => [`sold_${t.label.replace(' ', '_')}`, t.quantity - t.stockLeft]),
      ),
      ...facts,
    },
    commands: [m.command],
  }
}

/**
 * One live sale of UNLIMITED units, split into `buckets`: one cell per
 * bucket, with its partition and allotment (as createSale splits it).
 */
async function hotSaleCells(stack: CheckoutStack, buckets: number) {
  const saleId = await stack.sale({ quantity: UNLIMITED, perUserLimit: 0, buckets })
  const space = stack.fixture.redis.space
  return bucketAllotments(UNLIMITED, buckets).map((quantity, bucket) => ({
    saleId,
    partition: bucketPartition(space, saleId, bucket),
    quantity,
  }))
}

/**
 * Live sales until every partition has one (sale ids are drawn, so which
 * partition a sale lands in is too); the ones in a partition already taken
 * stay unsold. Returns the sale of partition 0, 1, ... in order.
 */
async function salePerPartition(stack: CheckoutStack, partitions: number): Promise<string[]> {
  const found = new Map<number, string>()
  for (let tries = 0; found.size < partitions; tries++) {
    if (tries >= 50 * partitions)
      throw new Error(`no sale landed in some of ${partitions} partitions after ${tries} sales`)
    const saleId = await stack.sale({ quantity: UNLIMITED, perUserLimit: 0 })
    const partition = partitionOf(stack.fixture.redis.space, saleId)
    if (!found.has(partition)) found.set(partition, saleId)
  }
  return Array.from({ length: partitions }, (_, p) => found.get(p) as string)
}

/**
 * With a worker, the orders stream also holds each order's moves: the
 * tallies get the orders placed, counted entry by entry (or the orders in
 * MySQL, for a run whose Redis lost a stream), and each sale's orders in
 * MySQL once the worker has settled all of them.
 */
async function withPersisted<T extends { orders: number }>(
  stack: CheckoutStack,
  saleIds: readonly string[],
  tallies: readonly T[],
  ordersIn: 'stream' | 'mysql',
): Promise<(T & { persisted: number })[]> {
  const { db } = stack.fixture.database
  const placed = await Promise.all(saleIds.map((id) => placedOrders(stack.fixture.redis, id)))
  await waitSettled(
    db,
    placed.reduce((a, b) => a + b, 0),
  )
  const persisted = await Promise.all(saleIds.map((id) => persistedOrders(db, id)))
  // A rebuilt partition's orders from before its loss are in MySQL, not in its new stream.
  await waitSettled(
    db,
    persisted.reduce((a, b) => a + b, 0),
  )
  return tallies.map((t, i) => ({
    ...t,
    orders: (ordersIn === 'stream' ? placed[i] : persisted[i]) as number,
    persisted: persisted[i] as number,
  }))
}

/**
 * A verdict with orders known lost that its counts cannot show: the 202s
 * counted are checked against all the sales' orders together, so a few
 * lost ones hide behind the answers cut off at wrk's deadline.
 */
function withLost(verdict: Verdict, lost?: { count: number; why: string }): Verdict {
  if (!lost || lost.count === 0) return verdict
  return {
    ...verdict,
    lost: verdict.lost + lost.count,
    problems: [...verdict.problems, `${lost.count} ${lost.why}`],
    ok: false,
  }
}
