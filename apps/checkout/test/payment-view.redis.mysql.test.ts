import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { OrderStatus } from '@flash/contracts'
import { orderItems, orders, type PaymentStatus, payments } from '@flash/db'
import { findOrderState, moveOrderState } from '@flash/redis'
import { createBuyers, createProduct, createSale } from '@flash/testing'
import { asBuyer, placeOrder, startCheckout } from './helpers.ts'

let checkout: Awaited<ReturnType<typeof startCheckout>>
beforeAll(async () => {
  checkout = await startCheckout()
})
afterAll(() => checkout[Symbol.asyncDispose]())

/** What the worker records once the provider answered. */
async function record(orderId: string, status: PaymentStatus) {
  const now = new Date()
  await checkout.database.db.insert(payments).values({
    id: Bun.randomUUIDv7(),
    orderId,
    amount: 10_000,
    status,
    providerRef: status === 'none' ? null : 'pay_1',
    refundedAt: status === 'refunded' ? now : null,
    createdAt: now,
    updatedAt: now,
  })
}

/** An order only MySQL holds (its live state expired), or the row the writer stores for a live one. */
async function storedOrder(buyer: string, status: OrderStatus, id = Bun.randomUUIDv7()) {
  const productId = await createProduct(checkout.database.db)
  const now = new Date()
  await checkout.database.db.insert(orders).values({
    id,
    userId: buyer,
    saleId: null,
    status,
    total: 10_000,
    idempotencyKey: `k-${id}`,
    createdAt: now,
    updatedAt: now,
  })
  await checkout.database.db
    .insert(orderItems)
    .values({ orderId: id, productId, quantity: 1, unitPrice: 10_000 })
  return id
}

const paymentOf = async (buyer: string, orderId: string) =>
  (await asBuyer(checkout.url, buyer, 'GET', `/orders/${orderId}`)).body.payment

describe('where the money is, in the order view', () => {
  it('says pending right after the 202, charged once paid, refund_pending once cancelled, refunded once given back', async () => {
    const [buyer] = (await createBuyers(checkout.database.db, 1)) as [string]
    const { saleId } = await createSale(
      checkout.database.db,
      checkout.redis.redis,
      checkout.redis.space,
      { quantity: 5, perUserLimit: 1 },
    )
    const placed = await placeOrder(checkout.url, buyer, { saleId, quantity: 1 })
    const orderId = placed.body.orderId as string
    expect(await paymentOf(buyer, orderId)).toEqual({ status: 'pending' })

    // What the worker does: the order stored, its charge on record, then the order paid.
    await storedOrder(buyer, 'pending', orderId)
    expect(await paymentOf(buyer, orderId)).toEqual({ status: 'pending' })
    await record(orderId, 'succeeded')
    const state = await findOrderState(checkout.redis.redis, checkout.space, orderId)
    if (!state) throw new Error('no live state')
    await moveOrderState(checkout.redis.redis, checkout.space, state, {
      userId: null,
      from: ['pending'],
      to: 'paid',
      restore: false,
      ttlSeconds: 600,
    })
    expect(await paymentOf(buyer, orderId)).toEqual({ status: 'charged' })

    const cancelled = await asBuyer(checkout.url, buyer, 'POST', `/orders/${orderId}/cancel`)
    expect(cancelled.body).toMatchObject({
      status: 'cancelled',
      payment: { status: 'refund_pending' },
    })
    expect(await paymentOf(buyer, orderId)).toEqual({ status: 'refund_pending' })

    await checkout.database.db.update(payments).set({ status: 'refunded', refundedAt: new Date() })
    expect(await paymentOf(buyer, orderId)).toEqual({ status: 'refunded' })
  })

  it('reads the same from MySQL once the live state has expired, in the list too', async () => {
    const [buyer] = (await createBuyers(checkout.database.db, 1)) as [string]
    const cases: [OrderStatus, PaymentStatus | null, string][] = [
      ['delivered', 'succeeded', 'charged'],
      ['returned', 'succeeded', 'refund_pending'],
      ['returned', 'refunded', 'refunded'],
      ['failed', 'declined', 'declined'],
      ['cancelled', 'none', 'none'],
      ['failed', 'unknown', 'pending'],
      ['cancelled', null, 'pending'],
    ]
    const ids: string[] = []
    for (const [status, recorded] of cases) {
      const id = await storedOrder(buyer, status)
      if (recorded) await record(id, recorded)
      ids.push(id)
    }

    for (const [i, id] of ids.entries())
      expect({ id, payment: await paymentOf(buyer, id) }).toEqual({
        id,
        payment: { status: cases[i]?.[2] },
      })
    const list = await asBuyer(checkout.url, buyer, 'GET', '/orders?limit=20')
    const listed = new Map(
      (list.body.items as { id: string; payment: { status: string } }[]).map((o) => [
        o.id,
        o.payment.status,
      ]),
    )
    expect(ids.map((id) => listed.get(id))).toEqual(cases.map((c) => c[2]))
  })
})
