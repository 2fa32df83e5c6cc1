/**
 * `sellout`: a realistic drop. Q units, five buyers per unit, the crowd
 * already pressing "buy" before the opening instant; measures the time from
 * the opening to the last unit sold and the answers by code, then drains the
 * orders through the worker and checks every accepted one reached MySQL and
 * was charged exactly once.
 */
import { offerKeys, streamKey } from '@flash/redis'
import { startCheckoutStack } from '../lib/checkout-stack.ts'
import { judge } from '../lib/correctness.ts'
import { describeLoad, measure } from '../lib/measure.ts'
import {
  chargeLeftovers,
  paymentStats,
  persistedOrders,
  startPipeline,
  waitSettled,
} from '../lib/pipeline.ts'
import { acceptedOf, redisTally, stockProbe } from '../lib/sale-tally.ts'
import type { ScenarioContext, ScenarioResult } from '../lib/scenario.ts'
import { watchUsage } from '../lib/usage.ts'

/**
 * @example
 * const [sellout] = await runSellout(ctx)
 */
export async function runSellout(ctx: ScenarioContext): Promise<ScenarioResult[]> {
  const { selloutUnits: units, selloutBuyers: buyers, seconds } = ctx.options
  await using stack = await startCheckoutStack({ buyers, logDir: ctx.logDir })
  // The load starts before the opening; the early answers (425) warm the stack up.
  const leadMs = Math.max(1, ctx.options.warmupSeconds) * 1000
  const startsAt = new Date(Date.now() + leadMs + 500)
  const saleId = await stack.sale({ quantity: units, perUserLimit: 1, startsAt })
  const probe = stockProbe(stack.fixture.redis, saleId, units)
  const m = await measure(ctx, {
    label: 'sellout',
    url: stack.url,
    script: 'orders.lua',
    env: {
      BENCH_TOKENS: stack.fixture.tokensFile,
      BENCH_BODY: JSON.stringify({ saleId, quantity: 1 }),
      BENCH_CODES: '1',
    },
    watched: stack.watched,
    seconds: Math.ceil(leadMs / 1000) + seconds,
    warmup: false,
    progress: probe.progress,
  })
  console.log(`  sellout: ${describeLoad(m.load)}`)
  const tally = await redisTally(stack.fixture.redis, saleId, units, acceptedOf(m), probe.lowest())
  const timeline = await saleTimeline(stack, saleId, startsAt)

  await using pipeline = await startPipeline(stack.fixture, ctx.logDir)
  const usage = watchUsage(pipeline.watched)
  const ready = await pipeline.ready
  const { at } = await waitSettled(stack.fixture.database.db, tally.orders, { saleId })
  const drainProcesses = usage.stop().map((p) => ({ ...p, name: `${p.name} (drain)` }))
  const verdict = judge({
    ...tally,
    persisted: await persistedOrders(stack.fixture.database.db, saleId),
    payments: await paymentStats(pipeline.sandboxUrl),
    ...(await chargeLeftovers(stack.fixture.database.db, pipeline.sandboxUrl, saleId)),
  })
  const soldOutMs = tally.stockLeft === 0 ? timeline.lastMs : 'not sold out'
  console.log(
    `  sellout: ${units} units, ${buyers} buyers: first order ${timeline.firstMs} ms after opening, ` +
      `sold out at ${soldOutMs} ms; ${verdict.ok ? 'correct' : verdict.problems.join('; ')}`,
  )
  return [
    {
      name: 'sellout',
      summary: `${units} units, ${buyers} buyers (limit 1 each), from the opening to sold out`,
      load: m.load,
      processes: [...m.processes, ...drainProcesses],
      verdict,
      facts: {
        'opening to first order (ms)': timeline.firstMs,
        'opening to sold out (ms)': soldOutMs,
        'orders drained to MySQL in (s)': Number(((at - ready) / 1000).toFixed(2)),
      },
      commands: [m.command],
    },
  ]
}

/**
 * When the first and last orders were queued, from the stream entry ids
 * (Redis's own milliseconds, the clock the sale window is judged by).
 */
async function saleTimeline(
  stack: Awaited<ReturnType<typeof startCheckoutStack>>,
  saleId: string,
  startsAt: Date,
): Promise<{ firstMs: number | string; lastMs: number | string }> {
  const { redis, space } = stack.fixture.redis
  const stream = streamKey(
    space,
    offerKeys(space, { kind: 'sale', id: saleId }).partition,
    'orders',
  )
  const [first] = await redis.xrange(stream, '-', '+', 'COUNT', 1)
  const [last] = await redis.xrevrange(stream, '+', '-', 'COUNT', 1)
  const since = (entry?: [string, string[]]) =>
    entry ? Number(entry[0].split('-')[0]) - startsAt.getTime() : 'no orders'
  return { firstMs: since(first), lastMs: since(last) }
}
