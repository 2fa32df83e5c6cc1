import { orders } from '@flash/db'
import { freePort } from '@flash/devstack'
import { keySpace, markFreshKeySpace, reserve } from '@flash/redis'
import {
  createBuyers,
  createSale,
  spawnApp,
  type TestDatabase,
  type TestRedis,
  testDatabase,
  testRedis,
  waitFor,
} from '@flash/testing'
import { inArray } from 'drizzle-orm'
import type { WorkerContext } from '../src/context.ts'

/**
 * A private database and key prefix, the sandbox (payment provider and mail
 * sink) as a real process, and a way to start the worker as a real process
 * on them, as many times as a test needs (to kill and restart it). With
 * `partitions`, the key space (`r.space`, the context's, the worker's
 * REDIS_PARTITIONS) has that many, every one stamped current as a fresh
 * key space is.
 */
export async function pipeline(
  options: { declineRate?: number; seed?: string; partitions?: number } = {},
) {
  const database = await testDatabase()
  const r = await withPartitions(await testRedis(), options.partitions)
  const sandboxPort = await freePort()
  const sandbox = spawnApp('sandbox', {
    PORT: String(sandboxPort),
    SANDBOX_DECLINE_RATE: String(options.declineRate ?? 0),
    SANDBOX_SEED: options.seed ?? 'tests',
  })
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`
  await waitFor(async () => (await fetch(`${sandboxUrl}/health`).catch(() => null))?.ok, {
    what: 'the sandbox to start',
  })
  const workerEnv = {
    DATABASE_URL: database.url,
    REDIS_URL: r.url,
    REDIS_PREFIX: r.prefix,
    PAYMENT_URL: sandboxUrl,
    RESEND_BASE_URL: sandboxUrl,
    SCHEDULES: 'off',
    ...(options.partitions ? { REDIS_PARTITIONS: String(options.partitions) } : {}),
  }
  const ctx = testContext(database, r)
  return {
    database,
    r,
    ctx,
    sandboxUrl,
    startWorker: (env: Record<string, string> = {}) => spawnApp('worker', { ...workerEnv, ...env }),
    async sandbox<T>(path: string, init?: RequestInit): Promise<T> {
      const response = await fetch(`${sandboxUrl}${path}`, {
        ...init,
        headers: { 'content-type': 'application/json' },
      })
      return (await response.json()) as T
    },
    async [Symbol.asyncDispose]() {
      await sandbox[Symbol.asyncDispose]()
      await r[Symbol.asyncDispose]()
      await database[Symbol.asyncDispose]()
    },
  }
}

export type Pipeline = Awaited<ReturnType<typeof pipeline>>

/** `r` on a key space of `partitions` under its prefix, stamped current; `r` itself without them. */
async function withPartitions(r: TestRedis, partitions: number | undefined): Promise<TestRedis> {
  if (!partitions) return r
  const space = keySpace(r.prefix, partitions)
  await markFreshKeySpace(r.redis, space)
  return { ...r, space }
}

/** What a consumer runs with, on a test's own database and key prefix; logs nothing. */
export function testContext(database: TestDatabase, r: TestRedis): WorkerContext {
  return {
    redis: r.redis,
    db: database.db,
    space: r.space,
    log: () => {},
    orderStateTtlSeconds: 3600,
    finishedOrderTtlSeconds: 600,
  }
}

/** A live sale and `count` orders of one unit each, reserved as checkout would. */
export async function placeOrders(
  p: Pick<Pipeline, 'database' | 'r'>,
  count: number,
  quantity = count,
) {
  const buyers = await createBuyers(p.database.db, count)
  const { saleId } = await createSale(p.database.db, p.r.redis, p.r.space, {
    quantity,
    perUserLimit: 1,
  })
  const orderIds: string[] = []
  for (const [i, userId] of buyers.entries()) {
    const orderId = Bun.randomUUIDv7()
    const placed = await reserve(p.r.redis, p.r.space, {
      offer: { kind: 'sale', id: saleId },
      orderId,
      userId,
      quantity: 1,
      fingerprint: 'f',
      idempotencyKey: `k${i}`,
      idempotencyTtlSeconds: 600,
      orderTtlSeconds: 3600,
    })
    if (placed.isErr()) throw new Error(`could not place order ${i}: ${placed.error.type}`)
    orderIds.push(orderId)
  }
  return { saleId, buyers, orderIds }
}

/**
 * Waits until every one of `orderIds` has `status` in MySQL; a timeout says
 * what the statuses were at the last look.
 *
 * @example
 * await waitForStatus(p, orderIds, 'paid')
 */
export async function waitForStatus(
  p: Pick<Pipeline, 'database'>,
  orderIds: string[],
  status: string,
  timeoutMs = 30_000,
) {
  await waitFor(
    async () => {
      const rows = await p.database.db
        .select({ status: orders.status })
        .from(orders)
        .where(inArray(orders.id, orderIds))
      if (rows.length === orderIds.length && rows.every((row) => row.status === status)) return true
      // Thrown, not returned: waitFor puts the last error in its timeout message.
      throw new Error(`statuses now: ${rows.map((row) => row.status).join(', ')}`)
    },
    { what: `every order to be ${status} in MySQL`, timeoutMs },
  )
}
