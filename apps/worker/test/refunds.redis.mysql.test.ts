import { describe, expect, it, setDefaultTimeout } from 'bun:test'
import type { OrderStatus } from '@flash/contracts'
import { payments, users } from '@flash/db'
import { findOrderState, moveOrderState, offerKeys, streamKey } from '@flash/redis'
import { waitFor } from '@flash/testing'
import { eq } from 'drizzle-orm'
import { expireUnpaidOrders } from '../src/jobs/payment-timeout.ts'
import { type Pipeline, pipeline, placeOrders } from './helpers.ts'

// Real processes (worker, sandbox); a stalled provider call is part of several tests.
setDefaultTimeout(60_000)

type Charge = { id: string; status: string; refundedAt: string | null }
type Email = { subject: string; text: string; createdAt: string }

const chargesOf = async (p: Pipeline, orderId: string) =>
  (await p.sandbox<{ items: Charge[] }>(`/payments?orderId=${orderId}`)).items

const paymentRow = async (p: Pipeline, orderId: string) =>
  (await p.database.db.select().from(payments).where(eq(payments.orderId, orderId)))[0]

async function emailsTo(p: Pipeline, userId: string): Promise<Email[]> {
  const [user] = await p.database.db.select().from(users).where(eq(users.id, userId))
  return (await p.sandbox<{ items: Email[] }>(`/emails?to=${user?.email}`)).items
}

const control = (p: Pipeline, change: object) =>
  p.sandbox('/control', { method: 'POST', body: JSON.stringify(change) })

/** Moves an order as the buyer or the worker's schedule would. */
async function move(
  p: Pipeline,
  orderId: string,
  from: OrderStatus,
  to: OrderStatus,
  restore = false,
) {
  const state = await findOrderState(p.r.redis, p.r.space, orderId)
  if (!state) throw new Error(`no live state for ${orderId}`)
  const moved = await moveOrderState(p.r.redis, p.r.space, state, {
    userId: null,
    from: [from],
    to,
    restore,
    ttlSeconds: 600,
  })
  if (moved.isErr()) throw new Error(`could not move ${orderId} to ${to}: ${moved.error.type}`)
}

const statusOf = async (p: Pipeline, orderId: string) =>
  (await findOrderState(p.r.redis, p.r.space, orderId))?.status

async function paidOrder(p: Pipeline) {
  const { saleId, buyers, orderIds } = await placeOrders(p, 1, 5)
  const orderId = orderIds[0] as string
  const worker = p.startWorker()
  await waitFor(async () => (await statusOf(p, orderId)) === 'paid', { what: 'the order paid' })
  return { saleId, userId: buyers[0] as string, orderId, worker }
}

/** Refunded once at the provider, on record in MySQL, and the buyer told so after it happened. */
async function expectRefundedOnce(p: Pipeline, orderId: string, userId: string) {
  await waitFor(async () => (await paymentRow(p, orderId))?.status === 'refunded', {
    what: 'the refund on record',
  })
  const charges = await chargesOf(p, orderId)
  expect(charges).toHaveLength(1)
  expect(charges[0]?.status).toBe('succeeded')
  const refundedAt = charges[0]?.refundedAt
  expect(refundedAt).toEqual(expect.any(String))
  const row = await paymentRow(p, orderId)
  expect(row?.refundedAt?.toISOString()).toBe(refundedAt as string)
  const mail = await waitFor(
    async () =>
      (await emailsTo(p, userId)).find((email) => email.subject === 'Your payment was refunded'),
    { what: 'the refunded e-mail' },
  )
  expect(mail.text).toBe(`The payment for order ${orderId} has been refunded.`)
  expect(new Date(mail.createdAt).getTime()).toBeGreaterThanOrEqual(
    new Date(refundedAt as string).getTime(),
  )
}

describe('refunds', () => {
  it('gives back the charge of a paid order the buyer cancels, once, and e-mails only what happened', async () => {
    await using p = await pipeline()
    const { saleId, userId, orderId, worker } = await paidOrder(p)
    await using _worker = worker

    await move(p, orderId, 'paid', 'cancelled', true)

    await expectRefundedOnce(p, orderId, userId)
    const cancelled = (await emailsTo(p, userId)).find(
      (e) => e.subject === 'Your order is cancelled',
    )
    expect(cancelled?.text).toBe(
      `Order ${orderId} is cancelled and the item is back on sale. If you were charged, we refund it and e-mail you when the refund is done.`,
    )
    expect(await p.r.redis.get(offerKeys(p.r.space, { kind: 'sale', id: saleId }).stock)).toBe('5')
    expect((await p.sandbox<{ refunds: number }>('/payments/stats')).refunds).toBe(1)
  })

  it('gives back the charge of a completed return, once', async () => {
    await using p = await pipeline()
    const { userId, orderId, worker } = await paidOrder(p)
    await using _worker = worker

    await move(p, orderId, 'paid', 'shipping')
    await move(p, orderId, 'shipping', 'delivered')
    await move(p, orderId, 'delivered', 'return_requested')
    // Nothing is given back while the return is only asked for.
    expect((await paymentRow(p, orderId))?.status).toBe('succeeded')
    await move(p, orderId, 'return_requested', 'returned', true)

    await expectRefundedOnce(p, orderId, userId)
    const returned = (await emailsTo(p, userId)).find(
      (e) => e.subject === 'Your return is complete',
    )
    expect(returned?.text).toBe(
      `The return of order ${orderId} is complete. We refund your payment and e-mail you when the refund is done.`,
    )
  })

  it('never refunds an order that keeps its units, whoever asks, even a replayed payment request', async () => {
    await using p = await pipeline()
    const { userId, orderId, worker } = await paidOrder(p)
    await using _worker = worker
    await move(p, orderId, 'paid', 'shipping')

    const ask = (stream: string, fields: Record<string, string>) =>
      p.r.redis.xadd(streamKey(p.r.space, 0, stream), '*', 'json', JSON.stringify(fields))
    await ask('refunds', { type: 'refund.requested', orderId })
    await ask('payments', { type: 'payment.requested', orderId, userId, amount: '1' })
    await ask('shipping', { type: 'shipping.requested', orderId })
    // The shipping request queued after both is handled once both are: then nothing else may follow.
    await waitFor(
      async () =>
        (
          (await p.r.redis.xpending(streamKey(p.r.space, 0, 'refunds'), 'refund')) as [number]
        )[0] === 0 &&
        (
          (await p.r.redis.xpending(streamKey(p.r.space, 0, 'payments'), 'payment')) as [number]
        )[0] === 0,
      { what: 'the refund and payment requests handled' },
    )
    expect((await chargesOf(p, orderId)).map((c) => c.refundedAt)).toEqual([null])
    expect((await paymentRow(p, orderId))?.status).toBe('succeeded')
  })

  it('waits out a provider outage for a refund without dead-lettering it, then refunds once', async () => {
    await using p = await pipeline()
    const { userId, orderId, worker } = await paidOrder(p)
    await using _worker = worker
    await control(p, { outage: true })

    await move(p, orderId, 'paid', 'cancelled', true)
    await waitFor(
      async () =>
        (await p.r.redis.xlen(streamKey(p.r.space, 0, 'refunds'))) === 1 &&
        (await paymentRow(p, orderId))?.status === 'succeeded',
      { what: 'the refund requested while the provider is down' },
    )
    await control(p, { outage: false })

    await expectRefundedOnce(p, orderId, userId)
    expect(await p.r.redis.xlen(streamKey(p.r.space, 0, 'dead-letter'))).toBe(0)
  })
})

describe('unknown charge outcomes', () => {
  it('asks again by the same key when an answer is lost, and pays the order with one charge', async () => {
    await using p = await pipeline()
    await control(p, { next: [{ outcome: 'succeeded', loseAnswer: true }] })
    const { orderIds } = await placeOrders(p, 1, 5)
    const orderId = orderIds[0] as string
    await using _worker = p.startWorker()

    await waitFor(async () => (await statusOf(p, orderId)) === 'paid', { what: 'the order paid' })
    expect(await chargesOf(p, orderId)).toHaveLength(1)
    expect((await paymentRow(p, orderId))?.status).toBe('succeeded')
  })

  it('refunds a charge that was still in flight when the unpaid-order timeout failed its order', async () => {
    await using p = await pipeline()
    // The charge takes 3 s; the worker gives up on the call after 300 ms: its outcome is unknown.
    await control(p, { next: [{ outcome: 'succeeded', delayMs: 3_000 }] })
    const { saleId, buyers, orderIds } = await placeOrders(p, 1, 5)
    const orderId = orderIds[0] as string
    await using _worker = p.startWorker({ PAYMENT_TIMEOUT_MS: '300' })
    await waitFor(async () => (await paymentRow(p, orderId))?.status === 'unknown', {
      what: 'the charge recorded as unknown',
    })

    await expireUnpaidOrders(
      p.ctx,
      new Date(Date.now() + 3_600_000),
      60_000,
      streamKey(p.r.space, 0, 'rollbacks'),
    )
    await waitFor(async () => (await statusOf(p, orderId)) === 'failed', {
      what: 'the order failed',
    })

    await expectRefundedOnce(p, orderId, buyers[0] as string)
    expect(await p.r.redis.get(offerKeys(p.r.space, { kind: 'sale', id: saleId }).stock)).toBe('5')
  })

  it('fails only the order the provider refuses (a 4xx), and pays the others of its batch', async () => {
    await using p = await pipeline()
    await control(p, {
      next: [{ outcome: 'succeeded' }, { outcome: 'rejected' }, { outcome: 'succeeded' }],
    })
    const { saleId, buyers, orderIds } = await placeOrders(p, 3, 5)
    await using _worker = p.startWorker({ PAYMENT_CONCURRENCY: '1' })

    await waitFor(
      async () => {
        const all = await Promise.all(orderIds.map((id) => statusOf(p, id)))
        return all.every((s) => s === 'paid' || s === 'failed') ? all : undefined
      },
      { what: 'every order settled' },
    )
    const settled = await Promise.all(orderIds.map((id) => statusOf(p, id)))
    expect(settled).toEqual(['paid', 'failed', 'paid'])
    expect((await paymentRow(p, orderIds[1] as string))?.status).toBe('declined')
    expect(await p.r.redis.get(offerKeys(p.r.space, { kind: 'sale', id: saleId }).stock)).toBe('3')
    expect(await p.r.redis.xlen(streamKey(p.r.space, 0, 'dead-letter'))).toBe(0)
    const failed = await waitFor(
      async () =>
        (await emailsTo(p, buyers[1] as string)).find(
          (e) => e.subject === 'Your order could not be completed',
        ),
      { what: 'the failed e-mail' },
    )
    expect(failed.text).toBe(
      `Order ${orderIds[1]} could not be completed: its payment was declined or did not come through in time, and the item is back on sale. If any charge was made for it, we refund it and e-mail you when the refund is done.`,
    )
  })
})

describe('a refund interrupted or asked for twice', () => {
  it('records and announces a refund the provider already made (a worker died after the refund call), without a second one', async () => {
    await using p = await pipeline()
    const { userId, orderId, worker } = await paidOrder(p)
    await worker[Symbol.asyncDispose]()
    // What the dead worker managed: the provider refunded; nothing of it reached MySQL or the buyer.
    const [charge] = await chargesOf(p, orderId)
    await p.sandbox(`/payments/${charge?.id}/refund`, { method: 'POST', body: '{}' })
    await move(p, orderId, 'paid', 'cancelled', true)

    await using _worker = p.startWorker()
    await expectRefundedOnce(p, orderId, userId)
    expect((await p.sandbox<{ refunds: number }>('/payments/stats')).refunds).toBe(1)
  })

  it('refunds once and e-mails once when the refund is asked for twice', async () => {
    await using p = await pipeline()
    const { userId, orderId, worker } = await paidOrder(p)
    await using _worker = worker
    await move(p, orderId, 'paid', 'cancelled', true)
    await expectRefundedOnce(p, orderId, userId)

    const refunds = streamKey(p.r.space, 0, 'refunds')
    await p.r.redis.xadd(
      refunds,
      '*',
      'json',
      JSON.stringify({ type: 'refund.requested', orderId }),
    )
    await waitFor(
      async () => {
        const groups = (await p.r.redis.xinfo('GROUPS', refunds)) as unknown[][]
        const info = Object.fromEntries(
          Array.from({ length: (groups[0]?.length ?? 0) / 2 }, (_, k) => [
            groups[0]?.[2 * k],
            groups[0]?.[2 * k + 1],
          ]),
        )
        return info.pending === 0 && info.lag === 0
      },
      { what: 'the second request handled' },
    )
    const emails = streamKey(p.r.space, 0, 'emails')
    await waitFor(
      async () =>
        (await p.r.redis.xlen(emails)) > 0 &&
        ((await p.r.redis.xpending(emails, 'email')) as [number])[0] === 0,
      {
        what: 'every e-mail request handled',
      },
    )
    expect((await p.sandbox<{ refunds: number }>('/payments/stats')).refunds).toBe(1)
    expect(
      (await emailsTo(p, userId)).filter((e) => e.subject === 'Your payment was refunded'),
    ).toHaveLength(1)
  })
})
