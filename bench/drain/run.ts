/**
 * `drain`: K orders already reserved in Redis (as checkout does), then one
 * worker process and the payment sandbox; the time from the worker's start
 * until every order is paid or failed in MySQL is the pipeline's rate.
 */
import { reserve } from '@flash/redis'
import { createSale } from '@flash/testing'
import { judge } from '../lib/correctness.ts'
import { prepareFixture } from '../lib/fixture.ts'
import {
  chargeLeftovers,
  paymentStats,
  persistedOrders,
  startPipeline,
  waitSettled,
} from '../lib/pipeline.ts'
import { redisTally } from '../lib/sale-tally.ts'
import type { ScenarioContext, ScenarioResult } from '../lib/scenario.ts'
import { sharedServers, watchUsage } from '../lib/usage.ts'

/**
 * @example
 * const [drain] = await runDrain(ctx)
 */
export async function runDrain(ctx: ScenarioContext): Promise<ScenarioResult[]> {
  const count = ctx.options.drainOrders
  await using fixture = await prepareFixture({ buyers: count })
  const { redis, space } = fixture.redis
  const { db } = fixture.database
  const { saleId } = await createSale(db, redis, space, { quantity: count, perUserLimit: 1 })
  let placed = 0
  // In slices: all at once would hold every reply in memory and swamp the shared Redis.
  for (let from = 0; from < count; from += 1_000) {
    const slice = fixture.buyers.slice(from, from + 1_000)
    const outcomes = await Promise.all(
      slice.map((userId, i) =>
        reserve(redis, space, {
          offer: { kind: 'sale', id: saleId },
          orderId: Bun.randomUUIDv7(),
          userId,
          quantity: 1,
          fingerprint: 'f',
          idempotencyKey: `drain-${from + i}`,
          idempotencyTtlSeconds: 600,
          orderTtlSeconds: 3600,
        }),
      ),
    )
    placed += outcomes.filter((outcome) => outcome.isOk()).length
  }
  const tally = await redisTally(fixture.redis, saleId, count, placed)
  console.log(`  drain: ${placed.toLocaleString('en-US')} orders queued; starting the worker`)

  const spawned = performance.now()
  await using pipeline = await startPipeline(fixture, ctx.logDir)
  const usage = watchUsage([...pipeline.watched, ...(await sharedServers(redis, db))])
  const ready = await pipeline.ready
  const { at } = await waitSettled(db, tally.orders, { timeoutMs: 300_000 })
  const processes = usage.stop()
  const verdict = judge({
    ...tally,
    persisted: await persistedOrders(db, saleId),
    payments: await paymentStats(pipeline.sandboxUrl),
    ...(await chargeLeftovers(db, pipeline.sandboxUrl, saleId)),
  })
  const ops = Math.round(tally.orders / ((at - ready) / 1000))
  const withStartUp = Math.round(tally.orders / ((at - spawned) / 1000))
  console.log(
    `  drain: ${ops.toLocaleString('en-US')} orders/s (${withStartUp.toLocaleString('en-US')} counting the worker's start-up); ${verdict.ok ? 'correct' : verdict.problems.join('; ')}`,
  )
  return [
    {
      name: 'drain',
      summary: `${count} queued orders through one worker to paid/failed in MySQL`,
      processes,
      verdict,
      facts: {
        drain_ops: ops,
        'orders/s counting worker start-up': withStartUp,
      },
      commands: [],
    },
  ]
}
