import { describe, expect, it } from 'bun:test'
import type { OrderStatus } from '@flash/contracts'
import { orders } from '@flash/db'
import { findOrderState, moveOrderState, offerKeys, orderKey, orderStateText } from '@flash/redis'
import { createBuyers, createSale, spawnApp, waitFor } from '@flash/testing'
import { eq } from 'drizzle-orm'
import { asBuyer, placeOrder, startCheckout } from './helpers.ts'

type Checkout = Awaited<ReturnType<typeof startCheckout>>

/** A live sale and one buyer's order of `quantity` units in it. */
async function orderOf(checkout: Checkout, quantity = 1, saleQuantity = 10) {
  const [buyer, stranger] = (await createBuyers(checkout.database.db, 2)) as [string, string]
  const { saleId } = await createSale(
    checkout.database.db,
    checkout.redis.redis,
    checkout.redis.space,
    {
      quantity: saleQuantity,
      perUserLimit: 5,
    },
  )
  const placed = await placeOrder(checkout.url, buyer, { saleId, quantity })
  expect(placed.status).toBe(202)
  const keys = offerKeys(checkout.redis.space, { kind: 'sale', id: saleId })
  return { buyer, stranger, saleId, orderId: placed.body.orderId as string, keys }
}

/** Moves an order along as the worker will (payment, shipping, delivery). */
async function advance(checkout: Checkout, orderId: string, steps: [OrderStatus, OrderStatus][]) {
  for (const [from, to] of steps) {
    const state = await findOrderState(checkout.redis.redis, checkout.redis.space, orderId)
    if (!state) throw new Error('no live state')
    const moved = await moveOrderState(checkout.redis.redis, checkout.redis.space, state, {
      userId: null,
      from: [from],
      to,
      restore: false,
      ttlSeconds: 3600,
    })
    expect(moved.isOk()).toBe(true)
  }
}

describe('cancelling an order', () => {
  it('restores the stock and the buyer slot exactly once when 10 cancels race', async () => {
    await using checkout = await startCheckout()
    const { buyer, orderId, keys } = await orderOf(checkout, 2)
    expect(await checkout.redis.redis.get(keys.stock)).toBe('8')

    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        asBuyer(checkout.url, buyer, 'POST', `/orders/${orderId}/cancel`),
      ),
    )

    expect(answers.map((a) => `${a.status} ${a.body.status}`)).toEqual(
      Array(10).fill('200 cancelled'),
    )
    expect(await checkout.redis.redis.get(keys.stock)).toBe('10')
    expect(await checkout.redis.redis.hget(keys.buyers, buyer)).toBeNull()
    const read = await asBuyer(checkout.url, buyer, 'GET', `/orders/${orderId}`)
    expect(read.body.status).toBe('cancelled')
  })

  it('cancels a paid order, refuses once shipping started, and the writer records it in MySQL', async () => {
    await using checkout = await startCheckout()
    const paid = await orderOf(checkout)
    await advance(checkout, paid.orderId, [['pending', 'paid']])
    const shipped = await orderOf(checkout)
    await advance(checkout, shipped.orderId, [
      ['pending', 'paid'],
      ['paid', 'shipping'],
    ])

    const cancelPaid = await asBuyer(
      checkout.url,
      paid.buyer,
      'POST',
      `/orders/${paid.orderId}/cancel`,
    )
    const cancelShipped = await asBuyer(
      checkout.url,
      shipped.buyer,
      'POST',
      `/orders/${shipped.orderId}/cancel`,
    )

    expect([cancelPaid.status, cancelPaid.body.status]).toEqual([200, 'cancelled'])
    expect([cancelShipped.status, cancelShipped.body.error.code]).toEqual([409, 'not_cancellable'])
    expect(await checkout.redis.redis.get(shipped.keys.stock)).toBe('9')

    await using _worker = spawnApp('worker', {
      DATABASE_URL: checkout.database.url,
      REDIS_URL: checkout.redis.url,
      REDIS_PREFIX: checkout.redis.prefix,
    })
    const statusOf = async (id: string) =>
      (await checkout.database.db.select().from(orders).where(eq(orders.id, id)))[0]?.status
    await waitFor(
      async () =>
        (await statusOf(paid.orderId)) === 'cancelled' &&
        (await statusOf(shipped.orderId)) === 'shipping',
      {
        what: 'MySQL to follow the status changes',
      },
    )
  })

  it('lets a freed unit be bought again at once through the same process', async () => {
    await using checkout = await startCheckout({ soldOutFlagMs: 60_000 })
    const { buyer, stranger, saleId, orderId } = await orderOf(checkout, 1, 1)
    const refused = await placeOrder(checkout.url, stranger, { saleId, quantity: 1 })
    expect(refused.body.error.code).toBe('sold_out')

    await asBuyer(checkout.url, buyer, 'POST', `/orders/${orderId}/cancel`)
    const again = await placeOrder(checkout.url, stranger, { saleId, quantity: 1 })
    expect(again.status).toBe(202)
  })

  it('lets another checkout process sell a freed unit within a second', async () => {
    await using selling = await startCheckout()
    const { buyer, stranger, saleId, orderId } = await orderOf(selling, 1, 1)
    expect((await placeOrder(selling.url, stranger, { saleId, quantity: 1 })).body.error.code).toBe(
      'sold_out',
    )

    // The unit comes back outside `selling`, as another process's cancel would: it can only learn from its flag expiring.
    const state = await findOrderState(selling.redis.redis, selling.redis.space, orderId)
    if (!state) throw new Error('no live state')
    await moveOrderState(selling.redis.redis, selling.redis.space, state, {
      userId: buyer,
      from: ['pending'],
      to: 'cancelled',
      restore: true,
      ttlSeconds: 60,
    })

    await waitFor(
      async () => (await placeOrder(selling.url, stranger, { saleId, quantity: 1 })).status === 202,
      { timeoutMs: 1_000, what: 'the freed unit to be on sale again' },
    )
  })
})

describe('returning an order', () => {
  it('accepts a delivered order inside the window and refuses other states', async () => {
    await using checkout = await startCheckout()
    const delivered = await orderOf(checkout)
    await advance(checkout, delivered.orderId, [
      ['pending', 'paid'],
      ['paid', 'shipping'],
      ['shipping', 'delivered'],
    ])
    const pending = await orderOf(checkout)

    const ok = await asBuyer(
      checkout.url,
      delivered.buyer,
      'POST',
      `/orders/${delivered.orderId}/return`,
    )
    const again = await asBuyer(
      checkout.url,
      delivered.buyer,
      'POST',
      `/orders/${delivered.orderId}/return`,
    )
    const notYet = await asBuyer(
      checkout.url,
      pending.buyer,
      'POST',
      `/orders/${pending.orderId}/return`,
    )

    expect([ok.status, ok.body.status, again.status, again.body.status]).toEqual([
      200,
      'return_requested',
      200,
      'return_requested',
    ])
    expect([notYet.status, notYet.body.error.code]).toEqual([409, 'not_returnable'])
    // Stock comes back when the return completes (the worker's schedule), not on request.
    expect(await checkout.redis.redis.get(delivered.keys.stock)).toBe('9')
  })

  it('refuses a return once the window since delivery has closed', async () => {
    await using checkout = await startCheckout({ returnWindowSeconds: 86_400 })
    const { buyer, orderId } = await orderOf(checkout)
    await advance(checkout, orderId, [
      ['pending', 'paid'],
      ['paid', 'shipping'],
      ['shipping', 'delivered'],
    ])
    const state = await findOrderState(checkout.redis.redis, checkout.redis.space, orderId)
    if (!state) throw new Error('no live state')
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000)
    await checkout.redis.redis.set(
      orderKey(checkout.redis.space, state.partition, orderId),
      orderStateText({ ...state, updatedAt: twoDaysAgo }),
    )

    const late = await asBuyer(checkout.url, buyer, 'POST', `/orders/${orderId}/return`)
    expect([late.status, late.body.error.code, late.body.error.message]).toEqual([
      409,
      'not_returnable',
      'the return window for this order has closed',
    ])
  })
})

describe("another buyer's order", () => {
  it('is not found on read, cancel and return, and is left untouched', async () => {
    await using checkout = await startCheckout()
    const { stranger, orderId, keys } = await orderOf(checkout)
    const answers = await Promise.all([
      asBuyer(checkout.url, stranger, 'GET', `/orders/${orderId}`),
      asBuyer(checkout.url, stranger, 'POST', `/orders/${orderId}/cancel`),
      asBuyer(checkout.url, stranger, 'POST', `/orders/${orderId}/return`),
    ])
    expect(answers.map((a) => `${a.status} ${a.body.error?.code}`)).toEqual(
      Array(3).fill('404 not_found'),
    )
    expect(await checkout.redis.redis.get(keys.stock)).toBe('9')
  })
})
