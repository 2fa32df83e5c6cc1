import { describe, expect, it } from 'bun:test'
import { orders } from '@flash/db'
import { databaseName } from '@flash/db/client'
import { offerKeys, streamKey } from '@flash/redis'
import { createBuyers, createSale, waitFor } from '@flash/testing'
import { inArray } from 'drizzle-orm'
import mysql from 'mysql2/promise'
import { type RecoveryStack, recoveryStack } from './recovery-stack.ts'

/** A sale of 10 units, at most 2 per buyer, on the stack's database and Redis. */
async function sale(s: RecoveryStack) {
  const { saleId } = await createSale(s.database.db, s.redis, s.space, {
    quantity: 10,
    perUserLimit: 2,
  })
  return { saleId, keys: offerKeys(s.space, { kind: 'sale', id: saleId }) }
}

/** The statuses MySQL has for these orders, once every one of them is stored (and `where` holds). */
async function stored(
  s: RecoveryStack,
  ids: string[],
  where: (status: string) => boolean = () => true,
): Promise<Record<string, string>> {
  return waitFor(
    async () => {
      const rows = await s.database.db
        .select({ id: orders.id, status: orders.status })
        .from(orders)
        .where(inArray(orders.id, ids))
      return rows.length === ids.length && rows.every((row) => where(row.status))
        ? Object.fromEntries(rows.map((row) => [row.id, row.status]))
        : undefined
    },
    { what: `MySQL to store ${ids.length} orders`, timeoutMs: 30_000 },
  )
}

async function placed(s: RecoveryStack, buyer: string, saleId: string, key: string) {
  const answer = await s.order(buyer, { saleId, quantity: 1 }, key)
  if (answer.status !== 202 || !answer.body.orderId)
    throw new Error(
      `order ${key} was not accepted: ${answer.status} ${JSON.stringify(answer.body)}`,
    )
  return answer.body.orderId
}

/**
 * Asks again with `retry` until checkout accepts an order, keeping every
 * status seen on the way (a 503 while the partition is recovered, a refused
 * connection while checkout reconnects, never a 404).
 */
async function untilAccepted(retry: () => ReturnType<RecoveryStack['order']>, timeoutMs = 30_000) {
  const seen = new Set<number>()
  const answer = await waitFor(
    async () => {
      const tried = await retry()
      seen.add(tried.status)
      return tried.status === 202 ? tried : undefined
    },
    { what: 'checkout to accept orders again', timeoutMs },
  )
  return { answer, seen: [...seen].sort() }
}

/**
 * A MySQL connection of the test's own; closing it rolls back what it holds,
 * so a failed test never leaves the worker waiting on its lock.
 */
async function connection(s: RecoveryStack) {
  const conn = await mysql.createConnection({ uri: s.database.url })
  return Object.assign(conn, { [Symbol.asyncDispose]: () => conn.end() })
}

/**
 * Transactions of this database waiting for a lock right now. Polled every
 * 250 ms: reading the process list much more often slows MariaDB's other
 * connections down to a crawl.
 */
async function lockWaits(s: RecoveryStack, probe: mysql.Connection): Promise<number> {
  const [rows] = await probe.query(
    `select count(*) as waiting from information_schema.innodb_trx t
       join information_schema.processlist p on p.id = t.trx_mysql_thread_id
     where t.trx_state = 'LOCK WAIT' and p.db = ?`,
    [databaseName(s.database.url)],
  )
  return Number((rows as { waiting: number }[])[0]?.waiting ?? 0)
}

describe('Redis recovery from MySQL', () => {
  it('rebuilds a Redis that came back empty: stock, the per-buyer limit, live orders and idempotency records; 503 with Retry-After, never 404, until then', async () => {
    await using s = await recoveryStack()
    s.startWorker()
    // A new deployment: nothing marks the key space but the worker's first recovery.
    await s.recovered()
    const [paidBuyer, limitBuyer, pendingBuyer] = (await createBuyers(s.database.db, 3)) as [
      string,
      string,
      string,
    ]
    const { saleId, keys } = await sale(s)
    const paid = await placed(s, paidBuyer, saleId, 'paid-1')
    await stored(s, [paid], (status) => status === 'paid')
    // From here payments wait: the next orders stay pending.
    await s.payments({ outage: true })
    const limit = [
      await placed(s, limitBuyer, saleId, 'limit-1'),
      await placed(s, limitBuyer, saleId, 'limit-2'),
    ]
    const pending = await placed(s, pendingBuyer, saleId, 'pending-1')
    await stored(s, [paid, ...limit, pending])

    await s.stopWorker()
    await s.redisServer.restartEmpty()
    const replay = () => s.order(pendingBuyer, { saleId, quantity: 1 }, 'pending-1')
    // No recovery can run without a worker: the sale MySQL has is not "not found" meanwhile.
    const waiting = await waitFor(
      async () => {
        const answer = await replay()
        return answer.status === 503 && answer.retryAfter === '1' ? answer : undefined
      },
      { what: 'checkout to answer that orders are being restored' },
    )

    s.startWorker()
    const recovered = await untilAccepted(replay)
    const stockAfterRecovery = await s.redis.get(keys.stock)
    const overLimit = await s.order(limitBuyer, { saleId, quantity: 1 }, 'limit-3')
    const cancel = await s.cancel(pendingBuyer, pending)
    const stockAfterCancel = await s.redis.get(keys.stock)
    await s.payments({ outage: false })
    const statuses = await stored(s, [paid, ...limit, pending], (status) => status !== 'pending')
    const groups = (await s.redis.xinfo('GROUPS', streamKey(s.space, 0, 'orders'))) as string[][]

    expect({
      waiting: { status: waiting.status, code: waiting.body.error?.code },
      recovered: { orderId: recovered.answer.body.orderId, seen: recovered.seen },
      stockAfterRecovery,
      overLimit: { status: overLimit.status, code: overLimit.body.error?.code },
      cancel: { status: cancel.status, orderStatus: cancel.body.status },
      stockAfterCancel,
      statuses,
      orderWriterGroup: groups.some((group) => group[1] === 'order-writer'),
      nogroupLines: s.workerLog().match(/NOGROUP/g)?.length ?? 0,
      recoveryLogged: /\[recovery\] partition 0 rebuilt from MySQL/.test(s.workerLog()),
    }).toEqual({
      waiting: { status: 503, code: 'unavailable' },
      // The replay gets the order it placed before Redis lost everything.
      recovered: { orderId: pending, seen: expect.not.arrayContaining([404]) },
      // 10 units, 4 held by the orders MySQL has.
      stockAfterRecovery: '6',
      overLimit: { status: 409, code: 'limit_reached' },
      cancel: { status: 200, orderStatus: 'cancelled' },
      stockAfterCancel: '7',
      // Payments asked again by recovery (the payments stream was lost) went through.
      statuses: {
        [paid]: 'paid',
        [limit[0] as string]: 'paid',
        [limit[1] as string]: 'paid',
        [pending]: 'cancelled',
      },
      orderWriterGroup: true,
      nogroupLines: 0,
      recoveryLogged: true,
    })
  }, 120_000)

  it('notices a Redis restored from an older state (behind MySQL) and rebuilds it before it takes an order', async () => {
    await using s = await recoveryStack()
    s.startWorker()
    await s.recovered()
    const [early, late] = (await createBuyers(s.database.db, 2)) as [string, string]
    const { saleId, keys } = await sale(s)
    const first = await placed(s, early, saleId, 'early-1')
    await stored(s, [first], (status) => status === 'paid')
    const older = s.redisServer.snapshot()
    const second = await placed(s, late, saleId, 'late-1')
    const third = await placed(s, early, saleId, 'early-2')
    await stored(s, [first, second, third], (status) => status === 'paid')

    await s.redisServer.restartFrom(older)
    // The older state has no record of this key: taken as it is, it would place a second order.
    const recovered = await untilAccepted(() => s.order(late, { saleId, quantity: 1 }, 'late-1'))
    const overLimit = await s.order(early, { saleId, quantity: 1 }, 'early-3')
    const allOrders = await s.database.db.select({ id: orders.id }).from(orders)

    expect({
      orderId: recovered.answer.body.orderId,
      seen: recovered.seen.includes(404),
      stock: await s.redis.get(keys.stock),
      buyers: await s.redis.hgetall(keys.buyers),
      overLimit: overLimit.body.error?.code,
      orders: allOrders.length,
      rebuiltBecause: /\[recovery\] partition 0 rebuilt from MySQL .*older than MySQL/.test(
        s.workerLog(),
      ),
    }).toEqual({
      orderId: second,
      seen: false,
      stock: '7',
      buyers: { [early]: '2', [late]: '1' },
      overLimit: 'limit_reached',
      orders: 3,
      rebuiltBecause: true,
    })
  }, 120_000)

  it('takes orders again soon after Redis comes back empty under a running worker (the time is logged)', async () => {
    await using s = await recoveryStack()
    s.startWorker()
    await s.recovered()
    const [buyer] = (await createBuyers(s.database.db, 1)) as [string]
    const { saleId, keys } = await sale(s)
    const orderId = await placed(s, buyer, saleId, 'before')
    await stored(s, [orderId], (status) => status === 'paid')

    await s.redisServer.restartEmpty()
    const back = performance.now()
    const recovered = await untilAccepted(() => s.order(buyer, { saleId, quantity: 1 }, 'before'))
    const ms = Math.round(performance.now() - back)
    console.log(`[redis-recovery test] Redis back empty -> orders accepted again: ${ms} ms`)
    const next = await placed(s, buyer, saleId, 'after')
    const statuses = await stored(s, [orderId, next], (status) => status === 'paid')

    expect({
      orderId: recovered.answer.body.orderId,
      seen: recovered.seen.includes(404),
      stock: await s.redis.get(keys.stock),
      statuses,
    }).toEqual({
      orderId,
      seen: false,
      stock: '8',
      statuses: { [orderId]: 'paid', [next]: 'paid' },
    })
  }, 120_000)

  it('waits for an order-writer batch still on its way to MySQL when Redis comes back empty, and counts it', async () => {
    await using s = await recoveryStack()
    s.startWorker()
    await s.recovered()
    const [first, second] = (await createBuyers(s.database.db, 2)) as [string, string]
    const { saleId, keys } = await sale(s)
    const stored1 = await placed(s, first, saleId, 'first')
    await stored(s, [stored1], (status) => status === 'paid')
    // The order-writer's next transaction stalls at its last step (the stream's mark), as
    // behind a MySQL that takes no writes, with the order already written but not committed.
    await using blocker = await connection(s)
    await using probe = await connection(s)
    await blocker.query('begin')
    await blocker.query('select * from stream_marks for update')
    const inFlight = await placed(s, second, saleId, 'in-flight')
    await waitFor(async () => (await lockWaits(s, probe)) >= 1 || undefined, {
      what: "the order-writer's transaction to wait",
      intervalMs: 250,
    })

    await s.redisServer.restartEmpty()
    // The recovery waits for that transaction (it holds the stream's fence) instead of reading past it.
    await waitFor(async () => (await lockWaits(s, probe)) >= 2 || undefined, {
      what: 'the recovery to wait for the order-writer',
      timeoutMs: 30_000,
      intervalMs: 250,
    })
    await blocker.query('commit')
    const recovered = await untilAccepted(() =>
      s.order(second, { saleId, quantity: 1 }, 'in-flight'),
    )
    const statuses = await stored(s, [stored1, inFlight], (status) => status === 'paid')

    expect({
      orderId: recovered.answer.body.orderId,
      stock: await s.redis.get(keys.stock),
      statuses,
    }).toEqual({
      orderId: inFlight,
      stock: '8',
      statuses: { [stored1]: 'paid', [inFlight]: 'paid' },
    })
  }, 120_000)
})
