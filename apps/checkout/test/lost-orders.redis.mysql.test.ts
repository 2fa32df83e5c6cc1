import { describe, expect, it, setDefaultTimeout } from 'bun:test'
import { orders, streamMarks } from '@flash/db'
import { freePort } from '@flash/devstack'
import { connectRedis, keySpace, readGeneration } from '@flash/redis'
import { recoverRedis } from '@flash/redis/recovery'
import {
  createBuyers,
  createSale,
  privateRedis,
  spawnApp,
  testDatabase,
  testTokens,
  waitFor,
} from '@flash/testing'
import { count, eq } from 'drizzle-orm'
import { createCheckoutApp } from '../src/app.ts'
import { placeOrder, SERVICE_TOKEN } from './helpers.ts'

// Real processes and a Redis restarted under them: seconds are possible on a loaded machine.
setDefaultTimeout(90_000)

/**
 * A checkout app in this process (its log and lost-order count in reach), a
 * sandbox and a way to start worker processes, on a private Redis and this
 * test's database; a live sale of 100 units.
 */
async function stack(options: { aof: boolean }) {
  const server = await privateRedis({ appendfsync: options.aof ? 'always' : 'off' })
  const database = await testDatabase()
  const space = keySpace('lost:')
  const redis = connectRedis(server.url, { name: 'lost-orders-test' })
  const lines: string[] = []
  const app = createCheckoutApp({
    redis,
    db: database.db,
    space,
    tokens: testTokens,
    maxBodyBytes: 16 * 1024,
    idempotencyTtlSeconds: 3600,
    orderStateTtlSeconds: 3600,
    finishedOrderTtlSeconds: 600,
    returnWindowSeconds: 86_400,
    soldOutFlagMs: 500,
    rateLimits: null,
    serviceToken: SERVICE_TOKEN,
    lostOrders: { pollMs: 100, drainTimeoutMs: 30_000 },
    log: (line) => lines.push(line),
  }).listen({ port: 0, hostname: '127.0.0.1' })
  const url = `http://127.0.0.1:${app.server?.port}`
  const sandboxPort = await freePort()
  const sandbox = spawnApp('sandbox', { PORT: String(sandboxPort), SANDBOX_DECLINE_RATE: '0' })
  const workerEnv = {
    DATABASE_URL: database.url,
    REDIS_URL: server.url,
    REDIS_PREFIX: space.prefix,
    PAYMENT_URL: `http://127.0.0.1:${sandboxPort}`,
    RESEND_BASE_URL: `http://127.0.0.1:${sandboxPort}`,
    SCHEDULES: 'off',
  }
  const buyers = await createBuyers(database.db, 7)
  const { saleId } = await createSale(database.db, redis, space, { quantity: 100 })
  return {
    server,
    buyers,
    lines,
    lostOrders: app.decorator.lostOrders,
    startWorker: () => spawnApp('worker', workerEnv),
    /**
     * What the worker's recovery does after Redis restarted from its file,
     * without a worker: finds Redis holds every entry MySQL applied and stamps
     * the partition; the orders still in the stream stay unstored.
     */
    async stampWithoutWriter() {
      const [recovered] = await recoverRedis(
        { db: database.db, redis, space, log: () => {} },
        {
          orderStateTtlSeconds: 3600,
          finishedOrderTtlSeconds: 600,
          idempotencyTtlSeconds: 3600,
          returnWindowSeconds: 86_400,
          appliedEntryId: async (stream) =>
            (
              await database.db
                .select({ lastId: streamMarks.lastId })
                .from(streamMarks)
                .where(eq(streamMarks.stream, stream))
            )[0]?.lastId ?? null,
        },
      )
      return recovered?.outcome
    },
    /** The worker has rebuilt the partition, and checkout has seen it. */
    async recovered() {
      await waitFor(async () => (await readGeneration(redis, space, 0)).state === 'current', {
        what: 'the worker to recover the partition',
      })
      await app.decorator.lostOrders.poll()
    },
    /** One unit for `buyer`, asked again while the partition is being recovered (503). */
    buy: (buyer: string) =>
      waitFor(
        async () => {
          const answer = await placeOrder(url, buyer, { saleId, quantity: 1 })
          return answer.status === 202 && (answer.body.orderId as string)
        },
        { what: 'an order accepted' },
      ),
    storedOrders: async () => (await database.db.select({ n: count() }).from(orders))[0]?.n ?? 0,
    metric: async () => {
      const response = await fetch(`${url}/metrics`, {
        headers: { authorization: `Bearer ${SERVICE_TOKEN}` },
      })
      return (await response.text()).match(/^orders_lost_total\{service="checkout"\} (\d+)$/m)?.[1]
    },
    async [Symbol.asyncDispose]() {
      await app.stop(true)
      redis.disconnect()
      await sandbox[Symbol.asyncDispose]()
      await database[Symbol.asyncDispose]()
      await server[Symbol.asyncDispose]()
    },
  }
}

type Stack = Awaited<ReturnType<typeof stack>>

/**
 * Once the worker has built the new Redis's partition, three orders the
 * worker stores, then four it does not see before Redis restarts (it is down
 * meanwhile, and stays down).
 */
async function restartUnderOrders(s: Stack) {
  const firstWorker = s.startWorker()
  await s.recovered()
  const stored: string[] = []
  for (const buyer of s.buyers.slice(0, 3)) stored.push(await s.buy(buyer))
  await waitFor(async () => (await s.storedOrders()) === 3, { what: 'three orders stored' })
  firstWorker.kill('SIGTERM')
  await firstWorker.exited
  const unstored: string[] = []
  for (const buyer of s.buyers.slice(3)) unstored.push(await s.buy(buyer))

  await s.server.restart()
  return { stored, unstored }
}

/** The partition's check once the worker recovered it, as checkout logged it. */
function checked(s: Stack) {
  return waitFor(() => s.lines.find((line) => line.includes('was recovered')), {
    what: 'checkout to check its accepted orders against MySQL',
  })
}

describe('orders lost with Redis', () => {
  it('logs and counts the accepted orders the worker had not stored when Redis came back empty, and only those', async () => {
    await using s = await stack({ aof: false })
    const { unstored } = await restartUnderOrders(s)
    await using _worker = s.startWorker()

    const summary = await checked(s)
    const lost = s.lines.filter((line) => line.includes('orders lost'))

    expect({
      summary,
      lost: lost.map((line) => line.replace(/: [\w -]+$/, '')),
      ids: lost.flatMap((line) => line.split(': ').at(-1)?.split(' ') ?? []).sort(),
      count: s.lostOrders.lostTotal,
      metric: await s.metric(),
      stored: await s.storedOrders(),
    }).toEqual({
      summary:
        '[checkout] partition 0 was recovered: 7 orders accepted here checked against MySQL, 4 lost',
      lost: ["[checkout] orders lost with Redis's data: 4"],
      ids: unstored.sort(),
      count: 4,
      metric: '4',
      stored: 3,
    })
  })

  it('counts none lost when Redis restarts from an append-only file holding every order, waiting for the worker to store them', async () => {
    await using s = await stack({ aof: true })
    await restartUnderOrders(s)
    // The partition is current again while four orders are still only in the stream.
    expect(await s.stampWithoutWriter()).toBe('checked')
    await s.lostOrders.poll()
    await using _worker = s.startWorker()

    const summary = await checked(s)

    expect({
      summary,
      lost: s.lines.filter((line) => line.includes('orders lost')),
      metric: await s.metric(),
      stored: await s.storedOrders(),
    }).toEqual({
      summary:
        '[checkout] partition 0 was recovered: 7 orders accepted here checked against MySQL, 0 lost',
      lost: [],
      metric: '0',
      stored: 7,
    })
  })
})
