/**
 * Profiles the worker draining K placed orders (as `bench/stampede/profile.ts`
 * does for checkout): prints the drain rate and where the worker's CPU went.
 *
 *   bun bench/drain/profile.ts [orders=5000]
 */
import { orders } from '@flash/db'
import { freePort } from '@flash/devstack'
import { reserve } from '@flash/redis'
import {
  createBuyers,
  createSale,
  spawnApp,
  testDatabase,
  testRedis,
  waitFor,
} from '@flash/testing'
import { inArray, sql } from 'drizzle-orm'
import { findOrStartServices, repoRoot } from '../../scripts/lib/services.ts'
import { printProfile } from '../lib/print-profile.ts'

const count = Number(Bun.argv[2] ?? 5_000)
const services = await findOrStartServices(() => {})
Bun.env.DATABASE_URL = services.databaseUrl
Bun.env.REDIS_URL = services.redisUrl

await using database = await testDatabase()
await using r = await testRedis()
const buyers = await createBuyers(database.db, count)
const { saleId } = await createSale(database.db, r.redis, r.space, {
  quantity: count,
  perUserLimit: 1,
})
await Promise.all(
  buyers.map((userId, i) =>
    reserve(r.redis, r.space, {
      offer: { kind: 'sale', id: saleId },
      orderId: Bun.randomUUIDv7(),
      userId,
      quantity: 1,
      fingerprint: 'f',
      idempotencyKey: `k${i}`,
      idempotencyTtlSeconds: 600,
      orderTtlSeconds: 3600,
    }),
  ),
)

const port = await freePort()
await using _sandbox = spawnApp('sandbox', {
  PORT: String(port),
  SANDBOX_DECLINE_RATE: '0.2',
  SANDBOX_SEED: 'drain',
})
const sandbox = `http://127.0.0.1:${port}`
await waitFor(async () => (await fetch(`${sandbox}/health`).catch(() => null))?.ok)

const started = performance.now()
const dir = `/tmp/worker-profile-${process.pid}`
const worker = Bun.spawn(
  ['bun', '--cpu-prof', `--cpu-prof-dir=${dir}`, 'apps/worker/src/index.ts'],
  {
    cwd: repoRoot,
    env: {
      ...Bun.env,
      DATABASE_URL: database.url,
      REDIS_URL: r.url,
      REDIS_PREFIX: r.prefix,
      PAYMENT_URL: sandbox,
      RESEND_BASE_URL: sandbox,
      SCHEDULES: 'off',
    },
    stdout: 'ignore',
    stderr: 'inherit',
  },
)
let last = 0
await waitFor(
  async () => {
    const [row] = await database.db
      .select({ n: sql<number>`count(*)` })
      .from(orders)
      .where(inArray(orders.status, ['paid', 'failed']))
    const settled = Number(row?.n ?? 0)
    if (settled - last >= count / 10) {
      process.stdout.write(`  ${settled}/${count} settled\n`)
      last = settled
    }
    return settled === count
  },
  { timeoutMs: 300_000, intervalMs: 100, what: 'every order paid or failed' },
)
const seconds = (performance.now() - started) / 1000
console.log(
  `drain: ${count} orders placed -> paid/failed in ${seconds.toFixed(2)} s = ${(count / seconds).toFixed(0)} orders/s (one worker process, worker start-up included)`,
)
worker.kill('SIGINT')
await worker.exited
await printProfile(dir)
await services.stop()
