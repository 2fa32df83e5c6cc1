/**
 * Profiles one process under the stampede: starts it with `bun --cpu-prof`,
 * drives it with wrk for a few seconds, stops it, and prints where its CPU
 * went, by function and by file. `gateway` profiles the gateway in front of
 * an unprofiled checkout instead of checkout itself; `in-process` profiles
 * the gateway running checkout in its own process (CHECKOUT_IN_PROCESS).
 * `gc` logs the profiled process's garbage collections (JSC's logGC) instead
 * of sampling its CPU, and prints how long they paused it.
 *
 *   bun bench/stampede/profile.ts [seconds=5] [sold-out] [gateway | in-process] [gc]
 */
import { freePort } from '@flash/devstack'
import { offerKeys } from '@flash/redis'
import { createSale, waitFor } from '@flash/testing'
import { findOrStartServices, repoRoot } from '../../scripts/lib/services.ts'
import { prepareFixture } from '../lib/fixture.ts'
import { printProfile } from '../lib/print-profile.ts'

const seconds = Number(Bun.argv[2] ?? 5)
const soldOut = Bun.argv.includes('sold-out')
const inProcess = Bun.argv.includes('in-process')
const throughGateway = inProcess || Bun.argv.includes('gateway')
const gcLog = Bun.argv.includes('gc')
const services = await findOrStartServices(() => {})
Bun.env.DATABASE_URL = services.databaseUrl
Bun.env.REDIS_URL = services.redisUrl
await using fixture = await prepareFixture({ buyers: 2_000 })
const { database, redis: r, tokensFile } = fixture
const { saleId } = await createSale(database.db, r.redis, r.space, {
  quantity: soldOut ? 1 : 10_000_000,
  perUserLimit: 0,
})
if (soldOut) await r.redis.set(offerKeys(r.space, { kind: 'sale', id: saleId }).stock, 0)

const dir = `/tmp/${throughGateway ? 'gateway' : 'checkout'}-profile-${process.pid}`
const appEnv = {
  ...Bun.env,
  DATABASE_URL: database.url,
  REDIS_URL: r.url,
  REDIS_PREFIX: r.prefix,
  RATE_LIMITS: 'off',
}
const start = async (app: string, env: Record<string, string>, profiled: boolean) => {
  const port = await freePort()
  const proc = Bun.spawn(
    [
      'bun',
      ...(profiled && !gcLog ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []),
      `apps/${app}/src/index.ts`,
    ],
    {
      cwd: repoRoot,
      env: {
        ...appEnv,
        ...env,
        PORT: String(port),
        ...(profiled && gcLog ? { BUN_JSC_logGC: '1' } : {}),
      },
      stdout: 'ignore',
      stderr: profiled && gcLog ? 'pipe' : 'inherit',
    },
  )
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok)
  return { proc, url: `http://127.0.0.1:${port}` }
}
const checkout = inProcess ? undefined : await start('checkout', {}, !throughGateway)
const gateway = throughGateway
  ? await start(
      'gateway',
      {
        CHECKOUT_URL: checkout?.url ?? `http://127.0.0.1:${await freePort()}`,
        CHECKOUT_IN_PROCESS: inProcess ? 'yes' : 'no',
      },
      true,
    )
  : undefined
const profiled = gateway ?? checkout
if (!profiled) throw new Error('nothing to profile')
const wrk = Bun.spawn(
  ['wrk', '-t2', '-c64', `-d${seconds}s`, '-s', 'bench/lib/orders.lua', profiled.url],
  {
    cwd: repoRoot,
    env: {
      ...Bun.env,
      BENCH_TOKENS: tokensFile,
      BENCH_BODY: JSON.stringify({ saleId, quantity: 1 }),
      BENCH_RUN: crypto.randomUUID(),
    },
    stdout: 'pipe',
  },
)
console.log(
  (await new Response(wrk.stdout).text())
    .split('\n')
    .filter((l) => /RPS|STATUS|LATENCY/.test(l))
    .join('\n'),
)
profiled.proc.kill('SIGINT')
const gcLines = gcLog ? await new Response(profiled.proc.stderr as ReadableStream).text() : ''
await profiled.proc.exited
if (gateway && checkout) {
  checkout.proc.kill('SIGINT')
  await checkout.proc.exited
}

if (gcLog) printPauses(gcLines, seconds)
else await printProfile(dir)
await services.stop()

/** JSC's logGC prints each collection's pauses as `p=<ms>ms`; a full one says FullCollection. */
function printPauses(log: string, seconds: number) {
  const pauses = [...log.matchAll(/ p=([\d.]+)ms/g)].map((m) => Number(m[1]))
  const full = (log.match(/FullCollection/g) ?? []).length
  const eden = (log.match(/EdenCollection/g) ?? []).length
  const sorted = pauses.toSorted((a, b) => b - a)
  const total = pauses.reduce((a, b) => a + b, 0)
  console.log(
    `\ngc: ${eden} eden and ${full} full collections, ${pauses.length} pauses in ${seconds} s; ` +
      `paused ${total.toFixed(0)} ms in all (${((total / (seconds * 1000)) * 100).toFixed(1)}%), ` +
      `longest ${sorted
        .slice(0, 5)
        .map((p) => p.toFixed(1))
        .join(', ')} ms; ` +
      `${pauses.filter((p) => p > 5).length} over 5 ms`,
  )
}
