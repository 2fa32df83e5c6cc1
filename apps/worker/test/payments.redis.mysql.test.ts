import { describe, expect, it, setDefaultTimeout } from 'bun:test'
import type { OrderStatus } from '@flash/contracts'
import { flashSales, orders, payments, shipments } from '@flash/db'
import { findOrderState, moveOrderState, offerKeys, streamKey } from '@flash/redis'
import { waitFor } from '@flash/testing'
import { count, eq, inArray } from 'drizzle-orm'
import { expireUnpaidOrders } from '../src/jobs/payment-timeout.ts'
import { syncStock } from '../src/jobs/stock-sync.ts'
import { type Pipeline, pipeline, placeOrders } from './helpers.ts'

// Real processes and a thousand orders each: minutes are possible on a loaded machine.
setDefaultTimeout(120_000)

type Stats = { charges: number; declines: number; refunds: number; distinctOrders: number }
type Email = { to: string; subject: string; text: string }

async function statuses(p: Pipeline, orderIds: string[]) {
  const rows = await p.database.db
    .select({ id: orders.id, status: orders.status })
    .from(orders)
    .where(inArray(orders.id, orderIds))
  return Map.groupBy(rows, (row) => row.status)
}

/** Every order paid or failed in MySQL, every e-mail for them sent, and every paid one shipped. */
async function waitUntilSettled(p: Pipeline, orderIds: string[], timeoutMs = 60_000) {
  await waitFor(
    async () => {
      const by = await statuses(p, orderIds)
      return (by.get('paid')?.length ?? 0) + (by.get('failed')?.length ?? 0) === orderIds.length
    },
    { what: 'every order to be paid or failed', timeoutMs },
  )
  // A batch's payment rows are written once all its charges are settled.
  await waitFor(
    async () =>
      (await p.database.db.select({ n: count() }).from(payments))[0]?.n === orderIds.length,
    { what: 'a payment row per order', timeoutMs },
  )
  await waitFor(
    async () => (await p.sandbox<{ items: Email[] }>('/emails')).items.length >= orderIds.length,
    {
      what: 'one e-mail per order',
      timeoutMs,
    },
  )
  // The shipping consumer starts a shipment after the payment, on a stream of its own.
  await waitFor(
    async () => {
      const paid = (await statuses(p, orderIds)).get('paid')?.length ?? 0
      return (await p.database.db.select({ n: count() }).from(shipments))[0]?.n === paid
    },
    { what: 'a shipment per paid order', timeoutMs },
  )
}

/** The checks every run must pass, however it got there. */
async function expectConsistent(p: Pipeline, saleId: string, orderIds: string[], quantity: number) {
  const by = await statuses(p, orderIds)
  const paid = by.get('paid')?.length ?? 0
  const failed = by.get('failed')?.length ?? 0
  const stats = await p.sandbox<Stats>('/payments/stats')
  const emails = (await p.sandbox<{ items: Email[] }>('/emails')).items
  const perOrder = orderIds.map((id) => emails.filter((mail) => mail.text.includes(id)).length)
  const stock = Number(
    await p.r.redis.get(offerKeys(p.r.space, { kind: 'sale', id: saleId }).stock),
  )
  const [shipped] = await p.database.db.select({ n: count() }).from(shipments)
  const [paymentRows] = await p.database.db.select({ n: count() }).from(payments)

  expect({
    settled: paid + failed,
    failedAreDeclines: failed === stats.declines,
    oneChargePerOrder:
      stats.charges === orderIds.length && stats.distinctOrders === orderIds.length,
    oneEmailPerOrder: perOrder.every((n) => n === 1),
    stockInvariant: stock + paid === quantity,
    shipments: shipped?.n,
    paymentRows: paymentRows?.n,
  }).toEqual({
    settled: orderIds.length,
    failedAreDeclines: true,
    oneChargePerOrder: true,
    oneEmailPerOrder: true,
    stockInvariant: true,
    shipments: paid,
    paymentRows: orderIds.length,
  })
  return { paid, failed, stock }
}

describe('payments through the worker', () => {
  it('fails every declined order of 1,000 with 20% declines and puts its unit back on sale', async () => {
    await using p = await pipeline({ declineRate: 0.2, seed: 'declines' })
    const { saleId, orderIds } = await placeOrders(p, 1_000)
    await using _worker = p.startWorker()

    await waitUntilSettled(p, orderIds)

    const { failed, stock } = await expectConsistent(p, saleId, orderIds, 1_000)
    expect(failed).toBeGreaterThan(100)
    expect(failed).toBeLessThan(300)
    expect(stock).toBe(failed)
    await syncStock(p.ctx, new Date())
    const [sale] = await p.database.db.select().from(flashSales).where(eq(flashSales.id, saleId))
    expect(sale?.remaining).toBe(failed)
  })

  it('loses nothing and charges nothing twice when killed with SIGKILL in the middle of 1,000 orders', async () => {
    await using p = await pipeline({ declineRate: 0.2, seed: 'crash' })
    await p.sandbox('/control', { method: 'POST', body: JSON.stringify({ latencyMs: 2 }) })
    const { saleId, orderIds } = await placeOrders(p, 1_000)

    const first = p.startWorker()
    await waitFor(async () => (await p.sandbox<Stats>('/payments/stats')).charges >= 300, {
      what: 'the first 300 charges',
      timeoutMs: 60_000,
    })
    first.kill('SIGKILL')
    await first.exited
    const chargedBeforeCrash = (await p.sandbox<Stats>('/payments/stats')).charges
    expect(chargedBeforeCrash).toBeLessThan(1_000)

    await using _second = p.startWorker()
    await waitUntilSettled(p, orderIds)
    await expectConsistent(p, saleId, orderIds, 1_000)
    for (const group of ['order-writer', 'payment', 'rollback', 'email']) {
      const stream = {
        'order-writer': 'orders',
        payment: 'payments',
        rollback: 'rollbacks',
        email: 'emails',
      }[group] as string
      await waitFor(
        async () =>
          ((await p.r.redis.xpending(streamKey(p.r.space, 0, stream), group)) as [number])[0] === 0,
        { what: `nothing left pending for ${group}` },
      )
    }
  })
})

describe('a payment provider outage', () => {
  it('marks no order paid or failed while the provider is down, then charges each exactly once', async () => {
    await using p = await pipeline({ declineRate: 0.2, seed: 'outage' })
    await p.sandbox('/control', { method: 'POST', body: JSON.stringify({ outage: true }) })
    const { saleId, orderIds } = await placeOrders(p, 200)
    await using _worker = p.startWorker({ BREAKER_OPEN_MS: '300' })

    const paymentsStream = streamKey(p.r.space, 0, 'payments')
    // The payment consumer has read payments it cannot settle: they stay pending, unacknowledged,
    // and every order has been stored (so nothing but the outage holds them back).
    await waitFor(
      async () =>
        ((await p.r.redis.xpending(paymentsStream, 'payment')) as [number])[0] > 0 &&
        (await statuses(p, orderIds)).get('pending')?.length === orderIds.length,
      { what: 'payments read and left pending' },
    )
    const during = await statuses(p, orderIds)
    expect({
      pending: during.get('pending')?.length,
      paid: during.get('paid')?.length ?? 0,
      failed: during.get('failed')?.length ?? 0,
      charges: (await p.sandbox<Stats>('/payments/stats')).charges,
    }).toEqual({ pending: orderIds.length, paid: 0, failed: 0, charges: 0 })

    await p.sandbox('/control', { method: 'POST', body: JSON.stringify({ outage: false }) })
    await waitUntilSettled(p, orderIds)
    await expectConsistent(p, saleId, orderIds, orderIds.length)
  })
})

describe('races between payment and the order changing', () => {
  async function slowPaymentOrder(p: Pipeline) {
    await p.sandbox('/control', { method: 'POST', body: JSON.stringify({ latencyMs: 1_500 }) })
    const { saleId, orderIds } = await placeOrders(p, 1, 5)
    const orderId = orderIds[0] as string
    const worker = p.startWorker()
    // The provider has the charge and is still deciding it (1.5 s): now is the moment to race it.
    await waitFor(
      async () => (await p.sandbox<{ received: number }>('/payments/stats')).received === 1,
      {
        what: 'the charge to be in flight at the provider',
      },
    )
    return { saleId, orderId, worker }
  }

  async function expectRefundedAndRestored(
    p: Pipeline,
    saleId: string,
    orderId: string,
    status: OrderStatus,
  ) {
    await waitFor(
      async () => {
        const [payment] = await p.database.db
          .select()
          .from(payments)
          .where(eq(payments.orderId, orderId))
        return payment?.status === 'refunded'
      },
      { what: 'the late charge to be refunded' },
    )
    const charges = await p.sandbox<{ items: { status: string; refundedAt?: string }[] }>(
      `/payments?orderId=${orderId}`,
    )
    const state = await findOrderState(p.r.redis, p.r.space, orderId)
    expect({
      charges: charges.items.length,
      refunded: !!charges.items[0]?.refundedAt || charges.items[0]?.status === 'refunded',
      status: state?.status,
      stock: await p.r.redis.get(offerKeys(p.r.space, { kind: 'sale', id: saleId }).stock),
    }).toEqual({ charges: 1, refunded: true, status, stock: '5' })
  }

  it('refunds a payment that succeeds after the payment timeout rolled the order back, and never resells its unit twice', async () => {
    await using p = await pipeline()
    const { saleId, orderId, worker } = await slowPaymentOrder(p)
    await using _worker = worker

    const an_hour_later = new Date(Date.now() + 3_600_000)
    expect(
      await expireUnpaidOrders(
        p.ctx,
        an_hour_later,
        15 * 60_000,
        streamKey(p.r.space, 0, 'rollbacks'),
      ),
    ).toBe(1)
    await waitFor(
      async () => (await findOrderState(p.r.redis, p.r.space, orderId))?.status === 'failed',
      {
        what: 'the rollback to fail the order',
      },
    )

    await expectRefundedAndRestored(p, saleId, orderId, 'failed')
  })

  it('refunds a payment that succeeds after the buyer cancelled', async () => {
    await using p = await pipeline()
    const { saleId, orderId, worker } = await slowPaymentOrder(p)
    await using _worker = worker

    const state = await findOrderState(p.r.redis, p.r.space, orderId)
    if (!state) throw new Error('no live state')
    const cancelled = await moveOrderState(p.r.redis, p.r.space, state, {
      userId: state.userId,
      from: ['pending', 'paid'],
      to: 'cancelled',
      restore: true,
      ttlSeconds: 600,
    })
    expect(cancelled.isOk()).toBe(true)

    await expectRefundedAndRestored(p, saleId, orderId, 'cancelled')
  })
})
