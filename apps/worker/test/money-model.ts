import { expect } from 'bun:test'
import type { OrderStatus } from '@flash/contracts'
import { orders, stockTransfers, users } from '@flash/db'
import {
  buyerBucket,
  findOrderState,
  type MoveRequest,
  moveOrderState,
  reserve,
  streamKey,
} from '@flash/redis'
import { createBuyers, createSale, waitFor } from '@flash/testing'
import { and, eq, inArray } from 'drizzle-orm'
import fc from 'fast-check'
import { expireUnpaidOrders } from '../src/jobs/payment-timeout.ts'
import { type Pipeline, pipeline } from './helpers.ts'

/**
 * The money model's machinery: random sequences of what buyers, the
 * provider, the clock and crashes do to a few orders handled by two worker
 * processes; once all is quiet, every order must hold the shop's promises.
 * The unsplit sale's test (money-model.redis.mysql.test.ts) and the
 * bucketed one's (money-model-buckets.redis.mysql.test.ts) run the same
 * steps and check the same promises; each checks the stock its own way.
 */

const KEEPS_UNITS = new Set<OrderStatus>(['paid', 'shipping', 'delivered', 'return_requested'])
const SUBJECT_ON: Partial<Record<OrderStatus, string>> = {
  paid: 'Your order is paid',
  failed: 'Your order could not be completed',
  cancelled: 'Your order is cancelled',
  shipping: 'Your order is on its way',
  delivered: 'Your order was delivered',
  returned: 'Your return is complete',
}
const REFUNDED = 'Your payment was refunded'
const STREAMS = ['orders', 'payments', 'refunds', 'rollbacks', 'shipping', 'emails'] as const

export type Fate = 'succeeded' | 'declined' | 'rejected' | 'lost' | 'slow'
export type Action =
  | { type: 'place'; order: number; fate: Fate }
  | { type: 'replay'; order: number }
  | { type: 'cancel'; order: number }
  | { type: 'advance'; order: number }
  | { type: 'return'; order: number }
  | { type: 'outage'; on: boolean }
  | { type: 'unpaidTimeout' }
  | { type: 'crash'; worker: 0 | 1 }
  | { type: 'awaitPayment'; order: number }

/**
 * The steps a run takes on `count` orders: `placing`, every order placed
 * early in a random order (so most steps act on a real order), then
 * `actions`, anything at all.
 *
 * @example
 * const { placing, actions } = modelSteps(4)
 * fc.asyncProperty(placing, actions, async (placing, actions) => {})
 */
export function modelSteps(count: number) {
  const order = fc.integer({ min: 0, max: count - 1 })
  const fate = fc.constantFrom<Fate>('succeeded', 'declined', 'rejected', 'lost', 'slow')
  const action: fc.Arbitrary<Action> = fc.oneof(
    { arbitrary: fc.record({ type: fc.constant('place' as const), order, fate }), weight: 2 },
    { arbitrary: fc.record({ type: fc.constant('awaitPayment' as const), order }), weight: 3 },
    { arbitrary: fc.record({ type: fc.constant('replay' as const), order }), weight: 1 },
    { arbitrary: fc.record({ type: fc.constant('cancel' as const), order }), weight: 2 },
    { arbitrary: fc.record({ type: fc.constant('advance' as const), order }), weight: 2 },
    { arbitrary: fc.record({ type: fc.constant('return' as const), order }), weight: 1 },
    { arbitrary: fc.record({ type: fc.constant('outage' as const), on: fc.boolean() }), weight: 1 },
    { arbitrary: fc.record({ type: fc.constant('unpaidTimeout' as const) }), weight: 1 },
    {
      arbitrary: fc.record({
        type: fc.constant('crash' as const),
        worker: fc.constantFrom<0 | 1>(0, 1),
      }),
      weight: 1,
    },
  )
  return {
    placing: fc.array(fc.record({ type: fc.constant('place' as const), order, fate }), {
      minLength: 2,
      maxLength: count,
    }),
    actions: fc.array(action, { minLength: 6, maxLength: 20 }),
  }
}

const WORKER_ENV = {
  // Small batches and two workers: an order's events are spread over both.
  ORDER_WRITER_BATCH: '2',
  PAYMENT_BATCH: '2',
  PAYMENT_TIMEOUT_MS: '300',
  BREAKER_OPEN_MS: '200',
}

export type ModelOptions = {
  /** Orders a run places, one per buyer. */
  orders: number
  /** The sale's units. */
  units: number
  /** Buckets the sale is split into (1, the default: unsplit); buyer i is served by bucket i mod `buckets`. */
  buckets?: number
  /** Partitions of the key space (at least `buckets`; 1 by default). */
  partitions?: number
  /** What else worker 0 or 1 runs with (the balancer, for a bucketed sale). */
  workerEnv?: (worker: 0 | 1) => Record<string, string>
}

/**
 * A pipeline with two worker processes, and the model's steps on it.
 *
 * @example
 * await using model = await moneyModel({ orders: 4, units: 3 })
 * const run = await model.newRun()
 * for (const step of steps) await model.perform(run, step)
 * await model.settle(run)
 * const holders = await model.checkPromises(run)
 */
export async function moneyModel(options: ModelOptions) {
  const buckets = options.buckets ?? 1
  const p = await pipeline({ partitions: options.partitions })
  const workers: ReturnType<Pipeline['startWorker']>[] = []
  const startWorker = (n: 0 | 1) => {
    workers[n] = p.startWorker({
      ...WORKER_ENV,
      WORKER_NAME: `model-worker-${n}`,
      ...options.workerEnv?.(n),
    })
  }
  startWorker(0)
  startWorker(1)

  const control = (change: object) =>
    p.sandbox('/control', { method: 'POST', body: JSON.stringify(change) })

  async function newRun() {
    const buyers =
      buckets > 1
        ? await buyersOverBuckets(p, options.orders, buckets)
        : await createBuyers(p.database.db, options.orders)
    const { saleId } = await createSale(p.database.db, p.r.redis, p.r.space, {
      quantity: options.units,
      perUserLimit: 1,
      buckets,
    })
    return { saleId, buyers, placed: new Map<number, string>(), outage: false }
  }

  type Run = Awaited<ReturnType<typeof newRun>>

  function placeOnce(run: Run, i: number) {
    return reserve(p.r.redis, p.r.space, {
      offer: { kind: 'sale', id: run.saleId },
      orderId: Bun.randomUUIDv7(),
      userId: run.buyers[i] as string,
      quantity: 1,
      fingerprint: 'f',
      idempotencyKey: `model-${i}`,
      idempotencyTtlSeconds: 600,
      orderTtlSeconds: 3600,
    })
  }

  /**
   * As a client does: a bucket that is short while others hold units
   * answers Rebalancing, and the client asks again with the same key until
   * the balancer has moved units to it (or seen none left: SoldOut).
   */
  function place(run: Run, i: number) {
    return waitFor(
      async () => {
        const placed = await placeOnce(run, i)
        return placed.isErr() && placed.error.type === 'Rebalancing' ? undefined : placed
      },
      { what: `order ${i} placed or refused for good`, timeoutMs: 30_000, intervalMs: 50 },
    )
  }

  async function moveAs(orderId: string, request: Omit<MoveRequest, 'ttlSeconds'>) {
    const state = await findOrderState(p.r.redis, p.r.space, orderId)
    if (state) await moveOrderState(p.r.redis, p.r.space, state, { ...request, ttlSeconds: 3600 })
  }

  async function perform(run: Run, step: Action) {
    const orderId = 'order' in step ? run.placed.get(step.order) : undefined
    switch (step.type) {
      case 'place': {
        if (orderId) return
        const fate = {
          succeeded: { outcome: 'succeeded' },
          declined: { outcome: 'declined' },
          rejected: { outcome: 'rejected' },
          lost: { outcome: 'succeeded', loseAnswer: true },
          slow: { outcome: 'succeeded', delayMs: 800 },
        }[step.fate]
        await control({ next: [fate] })
        const placed = await place(run, step.order)
        if (placed.isOk()) run.placed.set(step.order, placed.value.orderId)
        return
      }
      case 'replay': {
        if (!orderId) return
        const again = await placeOnce(run, step.order)
        expect(again.isOk() && again.value).toEqual({ type: 'Replayed', orderId })
        return
      }
      case 'cancel':
        if (orderId)
          await moveAs(orderId, {
            userId: run.buyers[step.order] as string,
            from: ['pending', 'paid'],
            to: 'cancelled',
            restore: true,
          })
        return
      case 'advance': {
        // What the worker's status schedule does, a day at a time.
        if (!orderId) return
        const status = (await findOrderState(p.r.redis, p.r.space, orderId))?.status
        const next: Partial<Record<OrderStatus, [OrderStatus, boolean]>> = {
          paid: ['shipping', false],
          shipping: ['delivered', false],
          return_requested: ['returned', true],
        }
        const to = status && next[status]
        if (status && to)
          await moveAs(orderId, { userId: null, from: [status], to: to[0], restore: to[1] })
        return
      }
      case 'return':
        if (orderId)
          await moveAs(orderId, {
            userId: run.buyers[step.order] as string,
            from: ['delivered'],
            to: 'return_requested',
            restore: false,
          })
        return
      case 'outage':
        run.outage = step.on
        await control({ outage: step.on })
        return
      case 'unpaidTimeout':
        await expireUnpaidOrders(
          p.ctx,
          new Date(Date.now() + 3_600_000),
          60_000,
          streamKey(p.r.space, 0, 'rollbacks'),
        )
        return
      case 'awaitPayment': {
        // Lets the worker catch up, so later steps meet paid and failed orders too.
        if (!orderId || run.outage) return
        await waitFor(
          async () => (await findOrderState(p.r.redis, p.r.space, orderId))?.status !== 'pending',
          { what: `order ${orderId} charged or failed`, timeoutMs: 30_000 },
        )
        return
      }
      case 'crash': {
        const worker = workers[step.worker]
        worker?.kill('SIGKILL')
        await worker?.exited
        startWorker(step.worker)
        return
      }
    }
  }

  /**
   * Every stream of every partition read and acknowledged by every group,
   * no order waiting for its payment, no stock transfer under way: nothing
   * in flight.
   */
  async function quiesce(run: Run) {
    const ids = [...run.placed.values()]
    await waitFor(
      async () => {
        for (let partition = 0; partition < p.r.space.partitions; partition++)
          for (const name of STREAMS)
            if (!(await streamDrained(streamKey(p.r.space, partition, name)))) return false
        const states = await Promise.all(ids.map((id) => findOrderState(p.r.redis, p.r.space, id)))
        if (!states.every((state) => state?.status !== 'pending')) return false
        const moving = await p.database.db
          .select({ id: stockTransfers.id })
          .from(stockTransfers)
          .where(
            and(
              eq(stockTransfers.saleId, run.saleId),
              inArray(stockTransfers.state, ['taking', 'moved']),
            ),
          )
        return moving.length === 0
      },
      { what: 'every stream drained and every order settled', timeoutMs: 90_000, intervalMs: 100 },
    )
  }

  async function streamDrained(stream: string) {
    if (!(await p.r.redis.exists(stream))) return true
    const groups = (await p.r.redis.xinfo('GROUPS', stream)) as unknown[][]
    // No group yet: the workers are still starting (slowly on a cluster), nothing has read it.
    if (groups.length === 0) return false
    for (const group of groups) {
      const info = Object.fromEntries(
        Array.from({ length: group.length / 2 }, (_, k) => [group[2 * k], group[2 * k + 1]]),
      )
      if (info.pending !== 0 || info.lag !== 0) return false
    }
    return true
  }

  /**
   * Each order kept a charge exactly when it keeps its units, was charged
   * at most once, ends in MySQL as in Redis, and its buyer got one e-mail
   * per move (and one per refund). Answers the buyers whose orders hold a
   * unit, for the stock checks.
   */
  async function checkPromises(run: Run): Promise<string[]> {
    const ids = [...run.placed.values()]
    const states = new Map(
      await Promise.all(
        ids.map(async (id) => [id, await findOrderState(p.r.redis, p.r.space, id)] as const),
      ),
    )
    const rows = ids.length
      ? await p.database.db.select().from(orders).where(inArray(orders.id, ids))
      : []
    const history = await movesOf(ids)
    const holders: string[] = []
    for (const [i, orderId] of run.placed) {
      const status = states.get(orderId)?.status as OrderStatus
      const keeps = KEEPS_UNITS.has(status)
      if (keeps) holders.push(run.buyers[i] as string)
      const charges = (
        await p.sandbox<{ items: { status: string; refundedAt: string | null }[] }>(
          `/payments?orderId=${orderId}`,
        )
      ).items
      const kept = charges.filter((c) => c.status === 'succeeded' && c.refundedAt === null)
      const refunded = charges.some((c) => c.refundedAt !== null)
      const row = rows.find((r) => r.id === orderId)
      const [user] = await p.database.db
        .select({ email: users.email })
        .from(users)
        .where(inArray(users.id, [run.buyers[i] as string]))
      const emails = await waitFor(
        async () => {
          const items = (
            await p.sandbox<{ items: { subject: string }[] }>(`/emails?to=${user?.email}`)
          ).items.map((e) => e.subject)
          const expected = [
            ...(history.get(orderId) ?? []).flatMap((to) => SUBJECT_ON[to] ?? []),
            ...(refunded ? [REFUNDED] : []),
          ].sort()
          return items.length === expected.length ? { items: items.sort(), expected } : undefined
        },
        { what: `the e-mails of order ${orderId}` },
      )
      expect({
        orderId,
        charges: charges.length <= 1,
        chargeKept: kept.length === 1,
        mysql: row?.status,
        emails: emails.items,
      }).toEqual({
        orderId,
        charges: true,
        chargeKept: keeps,
        mysql: status,
        emails: emails.expected,
      })
    }
    return holders
  }

  /** Each order's moves, in the order Redis made them, from every partition's order events. */
  async function movesOf(ids: string[]): Promise<Map<string, OrderStatus[]>> {
    const wanted = new Set(ids)
    const moves = new Map<string, OrderStatus[]>()
    for (let partition = 0; partition < p.r.space.partitions; partition++) {
      const entries = (await p.r.redis.xrange(
        streamKey(p.r.space, partition, 'orders'),
        '-',
        '+',
      )) as [string, string[]][]
      for (const [, fields] of entries) {
        const event = JSON.parse(fields[1] as string) as {
          type: string
          orderId: string
          to?: OrderStatus
        }
        if (event.type !== 'order.moved' || !wanted.has(event.orderId) || !event.to) continue
        moves.set(event.orderId, [...(moves.get(event.orderId) ?? []), event.to])
      }
    }
    return moves
  }

  return {
    p,
    newRun,
    perform,
    /** Ends the provider's outage and waits until nothing is in flight. */
    async settle(run: Run) {
      await control({ outage: false, next: [] })
      await quiesce(run)
    },
    checkPromises,
    async [Symbol.asyncDispose]() {
      for (const worker of workers) await worker?.[Symbol.asyncDispose]()
      await p[Symbol.asyncDispose]()
    },
  }
}

export type MoneyModel = Awaited<ReturnType<typeof moneyModel>>

/**
 * `count` buyers, buyer i served by bucket i mod `buckets` of a sale split
 * into that many: buyers are made in batches and picked by `buyerBucket`
 * until each place is filled, so every bucket has buyers of its own.
 */
async function buyersOverBuckets(
  p: Pick<Pipeline, 'database'>,
  count: number,
  buckets: number,
): Promise<string[]> {
  const chosen: string[] = []
  while (chosen.length < count)
    for (const id of await createBuyers(p.database.db, 4 * buckets))
      if (chosen.length < count && buyerBucket(id, buckets) === chosen.length % buckets)
        chosen.push(id)
  return chosen
}
