/**
 * `stampede`: POST /orders with a distinct buyer token and Idempotency-Key per
 * request, against a sale with more stock than the run can sell, so every
 * request is a purchase through the Lua hot path. Durability and gateway run
 * the same load on another stack.
 */
import {
  type AppLatency,
  appLatency,
  type RouteDurations,
  scrapeDurations,
} from '../lib/app-latency.ts'
import { type StackOptions, startCheckoutStack } from '../lib/checkout-stack.ts'
import { judge } from '../lib/correctness.ts'
import { describeLoad, measure } from '../lib/measure.ts'
import { acceptedOf, redisTally, stockProbe } from '../lib/sale-tally.ts'
import type { ScenarioContext, ScenarioResult } from '../lib/scenario.ts'

/** More units than any run sells: the stampede never reaches sold-out. */
const UNLIMITED = 10_000_000

/**
 * One stampede on a stack of its own (a private Redis, a gateway in front...).
 *
 * @example
 * await stampede(ctx, { name: 'gateway', summary: '...', stack: { gateway: true, logDir } })
 */
export async function stampede(
  ctx: ScenarioContext,
  variant: { name: string; summary: string; stack: Omit<StackOptions, 'buyers'> },
): Promise<ScenarioResult> {
  await using stack = await startCheckoutStack({ buyers: ctx.options.buyers, ...variant.stack })
  const saleId = await stack.sale({ quantity: UNLIMITED, perUserLimit: 0 })
  const probe = stockProbe(stack.fixture.redis, saleId, UNLIMITED)
  // The serving process's own histogram (checkout's, or the gateway's in front of it); with
  // several checkout processes on one port, /metrics would answer for one of them only.
  const timed = (variant.stack.checkoutProcesses ?? 1) === 1
  const durations = () => scrapeDurations(stack.url, 'POST', ORDERS_ROUTE)
  let before: RouteDurations = new Map()
  const m = await measure(ctx, {
    label: variant.name,
    url: stack.url,
    script: 'orders.lua',
    env: {
      BENCH_TOKENS: stack.fixture.tokensFile,
      BENCH_BODY: JSON.stringify({ saleId, quantity: 1 }),
    },
    watched: stack.watched,
    progress: probe.progress,
    beforeMeasured: async () => {
      if (timed) before = await durations()
    },
  })
  const own = timed ? appLatency(before, await durations()) : null
  const verdict = judge(
    await redisTally(stack.fixture.redis, saleId, UNLIMITED, acceptedOf(m), probe.lowest()),
  )
  console.log(`  ${variant.name}: ${describeLoad(m.load)}`)
  if (own) console.log(`  ${variant.name}: by its own clock, ${describeAppLatency(own)}`)
  console.log(
    `  ${variant.name}: sold ${verdict.sold}, ${verdict.cutOff} cut off by the deadline, ${verdict.ok ? 'correct' : verdict.problems.join('; ')}`,
  )
  return {
    name: variant.name,
    summary: variant.summary,
    load: m.load,
    processes: m.processes,
    verdict,
    facts:
      own && own.answered > 0
        ? {
            'answers timed by its own clock': own.answered,
            'answered within 10 ms by its own clock (%)': percent(own.within10ms),
            'p99 by its own clock (ms)': own.p99Ms === null ? 'over 10 s' : own.p99Ms.toFixed(1),
          }
        : {},
    commands: [m.command],
  }
}

/** The route pattern POST /orders is timed under, at checkout and at the gateway. */
const ORDERS_ROUTE = '/orders'

const percent = (share: number) => Number((share * 100).toFixed(2))

function describeAppLatency(own: AppLatency): string {
  if (own.answered === 0) return `no answer timed under POST ${ORDERS_ROUTE}`
  const p99 = own.p99Ms === null ? 'over 10 s' : `${own.p99Ms.toFixed(1)} ms`
  return `${percent(own.within10ms)}% of ${own.answered.toLocaleString('en-US')} answered within 10 ms, p99 ${p99} (interpolated in its bucket)`
}

/**
 * @example
 * const [result] = await runStampede(ctx)
 */
export async function runStampede(ctx: ScenarioContext): Promise<ScenarioResult[]> {
  return [
    await stampede(ctx, {
      name: 'stampede',
      summary: 'POST /orders straight to checkout, distinct buyers and keys, stock never runs out',
      stack: { logDir: ctx.logDir },
    }),
  ]
}
