/**
 * Where checkout's CPU per order goes, without HTTP or the load driver in
 * the way: each variant handles the same stampede of POST /orders in this
 * process (`app.handle`, 64 requests in flight), in alternating rounds, and
 * prints the median CPU per request of the main thread and of the whole
 * process (GC, JIT and allocator threads included).
 *
 * - `request`: building each Request, reading its JSON body and answering
 *   202 by hand: the harness's own share, in every variant below;
 * - `framework`: checkout's Elysia set-up (service(), the route's schemas,
 *   the bearer token) around a handler that answers 202 at once;
 * - `checkout`: the real app against real Redis;
 * - `reserve`: `reserve()` alone against real Redis;
 * - `reserve-no-io`: `reserve()` with the script call answered "placed" on
 *   the next turn instead of by Redis: its JS without the round trip.
 *
 *   bun bench/stampede/cost-breakdown.ts [requests per round=20000] [rounds=5]
 */
import { readFileSync } from 'node:fs'
import { jwtSettings } from '@flash/config'
import { connectRedis, keySpace, loadScripts, requestFingerprint, reserve } from '@flash/redis'
import { createSale } from '@flash/testing'
import { Elysia } from 'elysia'
import { readCheckoutEnv } from '../../apps/checkout/src/env.ts'
import { OrderModel } from '../../apps/checkout/src/modules/orders/model.ts'
import { openCheckout } from '../../apps/checkout/src/open.ts'
import { service } from '../../packages/http/src/index.ts'
import { bearer, createTokenVerifier } from '../../packages/tokens/src/index.ts'
import { findOrStartServices } from '../../scripts/lib/services.ts'
import { prepareFixture } from '../lib/fixture.ts'

const perRound = Number(Bun.argv[2] ?? 20_000)
const rounds = Number(Bun.argv[3] ?? 5)
const IN_FLIGHT = 64

const services = await findOrStartServices(() => {})
Bun.env.DATABASE_URL = services.databaseUrl
Bun.env.REDIS_URL = services.redisUrl
await using fixture = await prepareFixture({ buyers: 2_000 })
const { database, redis: r, buyers, tokens } = fixture
const { saleId } = await createSale(database.db, r.redis, r.space, {
  quantity: 100_000_000,
  perUserLimit: 0,
})
const body = JSON.stringify({ saleId, quantity: 1 })
const env = readCheckoutEnv({
  ...Bun.env,
  DATABASE_URL: database.url,
  REDIS_URL: r.url,
  REDIS_PREFIX: r.prefix,
  RATE_LIMITS: 'off',
})
const verifier = createTokenVerifier(jwtSettings(env))
const placed = { orderId: Bun.randomUUIDv7(), status: 'pending' as const }

let sent = 0
function order(): Request {
  const n = sent++
  return new Request('http://127.0.0.1/orders', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': String(body.length),
      authorization: `Bearer ${tokens[n % tokens.length]}`,
      'idempotency-key': `cost-${process.pid}-${n}`,
    },
    body,
  })
}

type Step = () => Promise<boolean>
const viaHandle =
  (handle: (request: Request) => Response | Promise<Response>): Step =>
  async () => {
    const answer = await handle(order())
    await answer.arrayBuffer()
    return answer.status === 202
  }

const checkout = await openCheckout(env, verifier)
const framework = new Elysia({ normalize: false })
  .use(service({ name: 'framework', maxBodyBytes: 16_384, noStore: true }))
  .use(
    new Elysia({ prefix: '/orders' })
      .use(bearer(verifier))
      .post('/', ({ status }) => status(202, placed), {
        authInScript: true,
        body: OrderModel.placeBody,
        headers: OrderModel.placeHeaders,
      }),
  )
const space = keySpace(r.prefix, 1)
const redis = connectRedis(r.url, { name: 'cost-breakdown' })
await loadScripts(redis)
const noIo = connectRedis(r.url, { name: 'cost-breakdown-no-io' })
// Every order in the batch answered "placed" (code 1) on the next turn, as a reply would come.
Object.assign(noIo, {
  reserveOrders: (...args: unknown[]) =>
    new Promise((resolve) => {
      const orders = args.filter((a) => typeof a === 'string' && a.includes(' ')).length
      setImmediate(() => resolve(Array.from({ length: orders }, () => [1, 'placed', 0]).flat()))
    }),
})
const offer = { kind: 'sale' as const, id: saleId }
const reserveOn =
  (client: typeof redis): Step =>
  async () => {
    const n = sent++
    const result = await reserve(client, space, {
      offer,
      orderId: Bun.randomUUIDv7(),
      userId: buyers[n % buyers.length] ?? 'buyer',
      quantity: 1,
      fingerprint: requestFingerprint(offer, 1),
      idempotencyKey: `cost-${process.pid}-${n}`,
      idempotencyTtlSeconds: env.IDEMPOTENCY_TTL_SECONDS,
      orderTtlSeconds: env.ORDER_STATE_TTL_SECONDS,
    })
    return result.isOk()
  }

const variants: Record<string, Step> = {
  request: async () => {
    const request = order()
    JSON.parse(new TextDecoder().decode(await request.arrayBuffer()))
    const answer = Response.json(placed, { status: 202 })
    await answer.arrayBuffer()
    return true
  },
  framework: viaHandle((request) => framework.handle(request)),
  checkout: viaHandle((request) => checkout.app.handle(request)),
  reserve: reserveOn(redis),
  'reserve-no-io': reserveOn(noIo),
}

/** CPU time the main thread has used, in ns (the first field of its schedstat). */
const mainThreadNs = () =>
  Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0])

const figures = new Map<string, { main: number[]; process: number[] }>()
for (let round = 0; round <= rounds; round++) {
  for (const [name, step] of Object.entries(variants)) {
    Bun.gc(true)
    const main0 = mainThreadNs()
    const cpu0 = process.cpuUsage()
    let left = perRound
    let failed = 0
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (left-- > 0) if (!(await step())) failed++
      }),
    )
    const cpu = process.cpuUsage(cpu0)
    if (failed) throw new Error(`${name}: ${failed} of ${perRound} requests not placed`)
    if (round === 0) continue // warm-up: the JIT compiles during the first round
    const entry = figures.get(name) ?? { main: [], process: [] }
    entry.main.push((mainThreadNs() - main0) / 1000 / perRound)
    entry.process.push((cpu.user + cpu.system) / perRound)
    figures.set(name, entry)
  }
}

const median = (values: number[]) => values.toSorted((a, b) => a - b)[values.length >> 1] ?? NaN
console.log(
  `\nCPU µs per request, median of ${rounds} rounds of ${perRound} (${IN_FLIGHT} in flight):`,
)
console.log('variant         main thread   process')
for (const [name, { main, process: all }] of figures)
  console.log(
    `${name.padEnd(15)} ${median(main).toFixed(1).padStart(11)} ${median(all).toFixed(1).padStart(9)}`,
  )
redis.disconnect()
noIo.disconnect()
await checkout.close()
await services.stop()
