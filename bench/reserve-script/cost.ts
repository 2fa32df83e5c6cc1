/**
 * The reserve script's cost inside Redis, per order: a redis-server of its
 * own (no other client, nothing persisted), orders placed through `reserve`
 * in batches of 16 (what one checkout process sends in one turn under load),
 * each with a token to check and the default rate limits, and Redis's own
 * account of the time its scripts took (`INFO commandstats`, reset after a
 * warm-up), and the server's CPU time over the same orders. Prints
 * microseconds per order of each, for each round.
 *
 *   bun bench/reserve-script/cost.ts [orders per round=20000] [rounds=4] [rate-limits=on|off]
 *
 * With `off` the orders carry no rate limits, as in the bench's load tests
 * (`RATE_LIMITS=off`: all the load comes from one address).
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  connectRedis,
  keySpace,
  markFreshKeySpace,
  type Offer,
  publishOffer,
  reserve,
} from '@flash/redis'
import { startPrivateRedis } from '../lib/processes.ts'

const perRound = Number(Bun.argv[2] ?? 20_000)
const rounds = Number(Bun.argv[3] ?? 4)
const rateLimits = Bun.argv[4] !== 'off'
const BATCH = 16

await using server = await startPrivateRedis('off', mkdtempSync(join(tmpdir(), 'reserve-cost-')))
const redis = connectRedis(server.url, { name: 'reserve-cost' })
const space = keySpace('cost:')
// A server started empty a moment ago: nothing to recover from MySQL.
await markFreshKeySpace(redis, space)

/** Places `count` orders for a fresh sale, 16 at a time; every one must be placed. */
async function placeOrders(round: string, count: number): Promise<void> {
  const offer: Offer = { kind: 'sale', id: `sale-${round}` }
  await publishOffer(
    redis,
    space,
    offer,
    {
      productId: `product-${round}`,
      saleId: offer.id,
      price: 49_000,
      perUserLimit: 2,
      startsAt: new Date(Date.now() - 60_000),
      endsAt: new Date(Date.now() + 3_600_000),
    },
    count,
  )
  const issuedAt = Math.floor(Date.now() / 1000)
  for (let at = 0; at < count; at += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - at) }, (_, i) =>
      reserve(redis, space, {
        offer,
        orderId: `${round}-order-${at + i}`,
        userId: `${round}-buyer-${at + i}`,
        quantity: 1,
        fingerprint: 'f',
        idempotencyKey: `key-${at + i}`,
        idempotencyTtlSeconds: 86_400,
        orderTtlSeconds: 86_400,
        token: { tokenId: `jti-${round}-${at + i}`, issuedAt },
        rate: rateLimits
          ? { clientId: '203.0.113.7', perBuyer: 10, perClient: 1_000_000, windowSeconds: 10 }
          : undefined,
      }),
    )
    for (const result of await Promise.all(batch))
      if (result.isErr() || result.value.type !== 'Placed')
        throw new Error(`an order was not placed: ${JSON.stringify(result)}`)
  }
}

/** Microseconds Redis spent in script calls (EVALSHA, and EVAL after a NOSCRIPT) since the last reset. */
async function scriptMicros(): Promise<number> {
  const stats = await redis.info('commandstats')
  let micros = 0
  for (const [, usec] of stats.matchAll(/^cmdstat_eval(?:sha)?:calls=\d+,usec=(\d+)/gm))
    micros += Number(usec)
  return micros
}

/**
 * CPU seconds the redis-server process has used (user + system). Unlike the
 * script's time in commandstats, which is wall-clock time, it does not grow
 * while the server waits for a core other processes hold.
 */
async function serverCpuSeconds(): Promise<number> {
  const cpu = await redis.info('cpu')
  const used = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1])
  return used('used_cpu_user') + used('used_cpu_sys')
}

await placeOrders('warm-up', 2_000)
const scriptFigures: string[] = []
const cpuFigures: string[] = []
for (let round = 1; round <= rounds; round++) {
  await redis.config('RESETSTAT')
  const cpuBefore = await serverCpuSeconds()
  await placeOrders(`round-${round}`, perRound)
  scriptFigures.push(((await scriptMicros()) / perRound).toFixed(1))
  cpuFigures.push(((((await serverCpuSeconds()) - cpuBefore) * 1e6) / perRound).toFixed(1))
}
console.log(
  `µs per order (${perRound} orders per round, rate limits ${rateLimits ? 'on' : 'off'}): reserve script inside Redis ${scriptFigures.join(', ')}; ` +
    `redis-server CPU ${cpuFigures.join(', ')}`,
)
redis.disconnect()
