/**
 * A first hot-path measurement: POST /orders straight to one checkout process,
 * distinct buyers and idempotency keys, against a sale large enough to last
 * (`stampede`) and against an empty one (`sold-out`). Then checks that units
 * sold == 202 answers == order.placed entries. Needs wrk.
 *
 *   bun bench/stampede/run.ts [seconds=10] [connections=64]
 */
import { freePort } from '@flash/devstack'
import { offerKeys, streamKey } from '@flash/redis'
import {
  createBuyers,
  createSale,
  spawnApp,
  testDatabase,
  testRedis,
  testTokens,
  waitFor,
} from '@flash/testing'
import { findOrStartServices } from '../../scripts/lib/services.ts'

const seconds = Number(Bun.argv[2] ?? 10)
const connections = Number(Bun.argv[3] ?? 64)
const services = await findOrStartServices(() => {})
Bun.env.DATABASE_URL = services.databaseUrl
Bun.env.REDIS_URL = services.redisUrl

await using database = await testDatabase()
await using r = await testRedis()
const buyers = await createBuyers(database.db, 5_000)
const tokensFile = `/tmp/bench-tokens-${process.pid}.txt`
const tokens = await Promise.all(
  buyers.map(async (id) => (await testTokens.signAccess({ id, role: 'buyer' })).token),
)
await Bun.write(tokensFile, `${tokens.join('\n')}\n`)

const big = await createSale(database.db, r.redis, r.space, {
  quantity: 10_000_000,
  perUserLimit: 0,
})
const empty = await createSale(database.db, r.redis, r.space, { quantity: 1, perUserLimit: 0 })
await r.redis.set(offerKeys(r.space, { kind: 'sale', id: empty.saleId }).stock, 0)

const port = await freePort()
await using _checkout = spawnApp('checkout', {
  DATABASE_URL: database.url,
  REDIS_URL: r.url,
  REDIS_PREFIX: r.prefix,
  PORT: String(port),
})
await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok)

async function wrk(body: object) {
  const child = Bun.spawn(
    [
      'wrk',
      '-t2',
      `-c${connections}`,
      `-d${seconds}s`,
      '--latency',
      '-s',
      `${import.meta.dir}/../lib/orders.lua`,
      `http://127.0.0.1:${port}`,
    ],
    {
      env: {
        ...Bun.env,
        BENCH_TOKENS: tokensFile,
        BENCH_BODY: JSON.stringify(body),
        BENCH_RUN: crypto.randomUUID(),
      },
      stdout: 'pipe',
    },
  )
  const out = await new Response(child.stdout).text()
  await child.exited
  const rps = Number(/^RPS (\d+)/m.exec(out)?.[1])
  const statuses = Object.fromEntries(
    (/^STATUS (.*)$/m.exec(out)?.[1] ?? '')
      .split(' ')
      .filter(Boolean)
      .map((p) => p.split('=').map(Number)),
  ) as Record<number, number>
  return { rps, statuses, latency: /^LATENCY (.*)$/m.exec(out)?.[1] }
}

const stampede = await wrk({ saleId: big.saleId, quantity: 1 })
const soldOut = await wrk({ saleId: empty.saleId, quantity: 1 })

const left = Number(await r.redis.get(offerKeys(r.space, { kind: 'sale', id: big.saleId }).stock))
const sold = 10_000_000 - left
const queued = await r.redis.xlen(streamKey(r.space, 0, 'orders'))
const accepted = stampede.statuses[202] ?? 0
console.log(
  `stampede: ${stampede.rps} req/s  ${stampede.latency}  ${JSON.stringify(stampede.statuses)}`,
)
console.log(
  `sold-out: ${soldOut.rps} req/s  ${soldOut.latency}  ${JSON.stringify(soldOut.statuses)}`,
)
// wrk stops reading at the deadline, so a few requests the server answered 202 are never
// counted (cut-off); every unit sold must still have exactly one queued order.
const soldOutStock = Number(
  await r.redis.get(offerKeys(r.space, { kind: 'sale', id: empty.saleId }).stock),
)
console.log(
  `correctness: sold=${sold} queued=${queued} counted_202=${accepted} cut_off=${sold - accepted} ` +
    `empty_sale_stock=${soldOutStock} non_409_on_empty=${Object.entries(soldOut.statuses).filter(([s]) => s !== '409').length}`,
)
await Bun.file(tokensFile).delete()
await services.stop()
const ok =
  queued === sold &&
  accepted <= sold &&
  soldOutStock === 0 &&
  Object.keys(soldOut.statuses).join() === '409'
if (!ok) process.exit(1)
