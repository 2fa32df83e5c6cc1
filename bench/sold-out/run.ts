/**
 * `sold-out`: the stampede against an empty sale. After the first answer the
 * checkout process remembers the sale is sold out and answers 409 without
 * asking Redis: what the crowd costs once there is nothing left to sell.
 */
import { startCheckoutStack } from '../lib/checkout-stack.ts'
import { judge } from '../lib/correctness.ts'
import { countStatus } from '../lib/load.ts'
import { describeLoad, measure, measureOha, ohaLoad } from '../lib/measure.ts'
import { acceptedOf, redisTally } from '../lib/sale-tally.ts'
import type { ScenarioContext, ScenarioResult } from '../lib/scenario.ts'

/**
 * @example
 * const [soldOut] = await runSoldOut(ctx)
 */
export async function runSoldOut(ctx: ScenarioContext): Promise<ScenarioResult[]> {
  await using stack = await startCheckoutStack({ buyers: ctx.options.buyers, logDir: ctx.logDir })
  const saleId = await stack.sale({ quantity: 1, perUserLimit: 0, stock: 0 })
  const body = JSON.stringify({ saleId, quantity: 1 })
  const m = await measure(ctx, {
    label: 'sold-out',
    url: stack.url,
    script: 'orders.lua',
    env: { BENCH_TOKENS: stack.fixture.tokensFile, BENCH_BODY: body },
    watched: stack.watched,
  })
  const verdict = judge(await redisTally(stack.fixture.redis, saleId, 0, acceptedOf(m)))
  const other = m.load.requests - countStatus(m.load.statuses, 409)
  if (other > 0) {
    verdict.problems.push(`${other} answers other than 409 from an empty sale`)
    verdict.ok = false
  }
  console.log(`  sold-out: ${describeLoad(m.load)}`)
  const results: ScenarioResult[] = [
    {
      name: 'sold-out',
      summary: 'POST /orders against an empty sale: the per-process sold-out flag answers',
      load: m.load,
      processes: m.processes,
      verdict,
      facts: {},
      commands: [m.command],
    },
  ]
  if (ctx.ohaAvailable) {
    // One buyer and one key for every request: harmless here, nothing can be bought.
    const run = {
      url: `${stack.url}/orders`,
      method: 'POST' as const,
      headers: {
        authorization: `Bearer ${stack.fixture.tokens[0]}`,
        'content-type': 'application/json',
        'idempotency-key': 'bench-oha',
      },
      body,
      ...ohaLoad(ctx),
    }
    const oha = await measureOha('sold-out (oha)', run, stack.watched)
    console.log(`  sold-out (oha): ${describeLoad(oha.load)}`)
    results.push({
      name: 'sold-out (oha)',
      summary: 'the same empty sale, driven by oha (one buyer, one key)',
      load: oha.load,
      processes: oha.processes,
      facts: {},
      commands: [oha.command],
    })
  }
  return results
}
