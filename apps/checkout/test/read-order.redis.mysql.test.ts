import { describe, expect, it } from 'bun:test'
import { orders } from '@flash/db'
import { createBuyers, createSale, spawnApp, testTokens, waitFor } from '@flash/testing'
import { eq } from 'drizzle-orm'
import { placeOrder, startCheckout } from './helpers.ts'

async function readOrder(url: string, buyerId: string, orderId: string) {
  const { token } = await testTokens.signAccess({ id: buyerId, role: 'buyer' })
  const response = await fetch(`${url}/orders/${orderId}`, {
    headers: { authorization: `Bearer ${token}` },
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

describe('GET /orders/:id', () => {
  it('shows an order the writer has not stored yet, then the stored one, and only to its buyer', async () => {
    await using checkout = await startCheckout()
    const { db } = checkout.database
    const [buyer, stranger] = (await createBuyers(db, 2)) as [string, string]
    const { saleId, productId } = await createSale(db, checkout.redis.redis, checkout.redis.space, {
      quantity: 5,
      perUserLimit: 2,
      price: 7_000,
    })

    const placed = await placeOrder(checkout.url, buyer, { saleId, quantity: 2 })
    expect(placed.status).toBe(202)
    const orderId = placed.body.orderId as string

    // No worker runs yet: the answer comes from the pending copy in Redis.
    expect(await db.select().from(orders).where(eq(orders.id, orderId))).toEqual([])
    const pending = await readOrder(checkout.url, buyer, orderId)
    const expected = {
      id: orderId,
      status: 'pending',
      items: [{ productId, saleId, quantity: 2, unitPrice: 7_000 }],
      total: 14_000,
      // No worker has asked the provider yet.
      payment: { status: 'pending' },
    }
    expect(pending.status).toBe(200)
    expect({ ...pending.body, createdAt: undefined, updatedAt: undefined }).toEqual({
      ...expected,
      createdAt: undefined,
      updatedAt: undefined,
    })
    expect((await readOrder(checkout.url, stranger, orderId)).status).toBe(404)

    {
      await using _worker = spawnApp('worker', {
        DATABASE_URL: checkout.database.url,
        REDIS_URL: checkout.redis.url,
        REDIS_PREFIX: checkout.redis.prefix,
      })
      await waitFor(async () => (await db.select().from(orders).where(eq(orders.id, orderId)))[0], {
        what: 'the writer to store the order',
      })
    }
    const stored = await readOrder(checkout.url, buyer, orderId)
    expect({ ...stored.body, updatedAt: undefined } as Record<string, unknown>).toEqual({
      ...expected,
      createdAt: pending.body.createdAt as string,
      updatedAt: undefined,
    })
    expect((await readOrder(checkout.url, stranger, orderId)).status).toBe(404)
  })
})
