/**
 * `lock-baseline`: the original design on the same data and driver: a
 * Redisson-style Redis lock per sale around a MySQL read of the stock and a
 * transaction writing the decrement and the order row (bench/lock-baseline/server.ts).
 */
import { join } from 'node:path'
import type { Db } from '@flash/db/client'
import { freePort } from '@flash/devstack'
import { createSale } from '@flash/testing'
import { sql } from 'drizzle-orm'
import { judge } from '../lib/correctness.ts'
import { prepareFixture } from '../lib/fixture.ts'
import { describeLoad, measure, measureOha, ohaLoad } from '../lib/measure.ts'
import { startProcess, waitHealthy } from '../lib/processes.ts'
import { rateOf } from '../lib/progress.ts'
import { acceptedOf, settle } from '../lib/sale-tally.ts'
import type { ScenarioContext, ScenarioResult } from '../lib/scenario.ts'
import { sharedServers } from '../lib/usage.ts'

const UNLIMITED = 10_000_000

/**
 * @example
 * const [baseline] = await runLockBaseline(ctx)
 */
export async function runLockBaseline(ctx: ScenarioContext): Promise<ScenarioResult[]> {
  await using fixture = await prepareFixture({ buyers: ctx.options.buyers })
  const { db } = fixture.database
  const { redis, space, url: redisUrl, prefix } = fixture.redis
  const { saleId } = await createSale(db, redis, space, { quantity: UNLIMITED, perUserLimit: 0 })
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  await using server = startProcess(
    'lock-baseline',
    ['bun', 'bench/lock-baseline/server.ts'],
    {
      DATABASE_URL: fixture.database.url,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      PORT: String(port),
    },
    join(ctx.logDir, 'lock-baseline.log'),
  )
  await waitHealthy(server, url)
  const watched = [{ name: 'lock-baseline', pid: server.pid }, ...(await sharedServers(redis, db))]
  const body = JSON.stringify({ saleId, quantity: 1 })
  const m = await measure(ctx, {
    label: 'lock-baseline',
    url,
    script: 'orders.lua',
    env: { BENCH_TOKENS: fixture.tokensFile, BENCH_BODY: body },
    watched,
    progress: rateOf(async () => UNLIMITED - (await counts(db, saleId)).remaining, 'sold'),
  })
  const { remaining, orders } = await settle(
    () => counts(db, saleId),
    (a, b) => a.orders === b.orders,
  )
  const verdict = judge({
    quantity: UNLIMITED,
    stockLeft: remaining,
    orders,
    accepted: acceptedOf(m),
  })
  console.log(`  lock-baseline: ${describeLoad(m.load)}`)
  const results: ScenarioResult[] = [
    {
      name: 'lock-baseline',
      summary: 'Redis lock per sale + MySQL read, decrement and order row, unlock',
      load: m.load,
      processes: m.processes,
      verdict,
      facts: {},
      commands: [m.command],
    },
  ]
  if (ctx.ohaAvailable) {
    // The baseline ignores the key, so one buyer and one key still buy a unit per request.
    const run = {
      url: `${url}/orders`,
      method: 'POST' as const,
      headers: {
        authorization: `Bearer ${fixture.tokens[0]}`,
        'content-type': 'application/json',
        'idempotency-key': 'bench-oha',
      },
      body,
      ...ohaLoad(ctx),
    }
    const oha = await measureOha('lock-baseline (oha)', run, watched)
    console.log(`  lock-baseline (oha): ${describeLoad(oha.load)}`)
    results.push({
      name: 'lock-baseline (oha)',
      summary: 'the same baseline, driven by oha',
      load: oha.load,
      processes: oha.processes,
      facts: {},
      commands: [oha.command],
    })
  }
  return results
}

/** Stock left and order rows, in one statement: one consistent InnoDB read. */
async function counts(db: Db, saleId: string): Promise<{ remaining: number; orders: number }> {
  const [rows] = (await db.execute(
    sql`SELECT f.remaining AS remaining,
        (SELECT COUNT(*) FROM orders o WHERE o.sale_id = f.id) AS orders
        FROM flash_sales f WHERE f.id = ${saleId}`,
  )) as unknown as [{ remaining: number; orders: number }[]]
  return { remaining: Number(rows[0]?.remaining), orders: Number(rows[0]?.orders) }
}
