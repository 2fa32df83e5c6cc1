/**
 * `stampede`: POST /orders with a distinct buyer token and Idempotency-Key per
 * request, against a sale with more stock than the run can sell, so every
 * request is a purchase through the Lua hot path. Durability and gateway run
 * the same load on another stack.
 */
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
  })
  const verdict = judge(
    await redisTally(stack.fixture.redis, saleId, UNLIMITED, acceptedOf(m), probe.lowest()),
  )
  console.log(`  ${variant.name}: ${describeLoad(m.load)}`)
  console.log(
    `  ${variant.name}: sold ${verdict.sold}, ${verdict.cutOff} cut off by the deadline, ${verdict.ok ? 'correct' : verdict.problems.join('; ')}`,
  )
  return {
    name: variant.name,
    summary: variant.summary,
    load: m.load,
    processes: m.processes,
    verdict,
    facts: {},
    commands: [m.command],
  }
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
