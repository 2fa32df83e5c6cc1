import { describe, expect, it } from 'bun:test'
import { duplicateClient, offerKeys, publishOffer } from '@flash/redis'
import { createBuyers, createProduct, createSale } from '@flash/testing'
import { asBuyer, countCommands, placeOrder, startCheckout } from './helpers.ts'

describe('the rules of a flash sale under load', () => {
  it('sells exactly 500 to 5,000 buyers firing 3 requests each, none above the limit of 2, stock never below 0', async () => {
    await using checkout = await startCheckout()
    const { db } = checkout.database
    const buyers = await createBuyers(db, 5_000)
    const { saleId } = await createSale(db, checkout.redis.redis, checkout.redis.space, {
      quantity: 500,
      perUserLimit: 2,
    })
    const stockKey = offerKeys(checkout.redis.space, { kind: 'sale', id: saleId }).stock
    const poller = duplicateClient(checkout.redis.redis)
    let lowest = Number.POSITIVE_INFINITY
    let polls = 0
    let firing = true
    const polling = (async () => {
      while (firing) {
        lowest = Math.min(lowest, Number(await poller.get(stockKey)))
        polls++
      }
    })()

    const answers = await Promise.all(
      buyers.flatMap((buyer) =>
        [1, 2, 3].map(async () => ({
          buyer,
          ...(await placeOrder(checkout.url, buyer, { saleId, quantity: 1 })),
        })),
      ),
    )
    firing = false
    await polling
    poller.disconnect()

    const wins = answers.filter((a) => a.status === 202)
    const perBuyer = Map.groupBy(wins, (a) => a.buyer)
    const codes = new Set(
      answers.filter((a) => a.status !== 202).map((a) => `${a.status} ${a.body.error.code}`),
    )
    expect(wins).toHaveLength(500)
    expect(Math.max(...[...perBuyer.values()].map((w) => w.length))).toBeLessThanOrEqual(2)
    expect([...codes].sort()).toEqual(['409 limit_reached', '409 sold_out'])
    expect(await checkout.redis.redis.get(stockKey)).toBe('0')
    expect(polls).toBeGreaterThan(0)
    expect(lowest).toBeGreaterThanOrEqual(0)
    const held = await checkout.redis.redis.hgetall(
      offerKeys(checkout.redis.space, { kind: 'sale', id: saleId }).buyers,
    )
    expect(Object.values(held).reduce((sum, n) => sum + Number(n), 0)).toBe(500)
    expect(Math.max(...Object.values(held).map(Number))).toBeLessThanOrEqual(2)
  })

  it('answers 50 parallel requests with one idempotency key with one order and one decrement', async () => {
    await using checkout = await startCheckout()
    const [buyer] = (await createBuyers(checkout.database.db, 1)) as [string]
    const { saleId } = await createSale(
      checkout.database.db,
      checkout.redis.redis,
      checkout.redis.space,
      {
        quantity: 100,
        perUserLimit: 5,
      },
    )

    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        placeOrder(checkout.url, buyer, { saleId, quantity: 1 }, 'same-key'),
      ),
    )

    const orderIds = new Set(answers.filter((a) => a.status === 202).map((a) => a.body.orderId))
    const others = answers.filter((a) => a.status !== 202)
    expect(orderIds.size).toBe(1)
    expect(
      others.every((a) => a.status === 409 && a.body.error.code === 'idempotency_key_in_use'),
    ).toBe(true)
    const stock = offerKeys(checkout.redis.space, { kind: 'sale', id: saleId }).stock
    expect(await checkout.redis.redis.get(stock)).toBe('99')

    const otherBody = await placeOrder(checkout.url, buyer, { saleId, quantity: 2 }, 'same-key')
    expect({ status: otherBody.status, code: otherBody.body.error?.code }).toEqual({
      status: 422,
      code: 'idempotency_key_reused',
    })
    expect(await checkout.redis.redis.get(stock)).toBe('99')
  })

  it('scopes idempotency keys per buyer', async () => {
    await using checkout = await startCheckout()
    const [a, b] = (await createBuyers(checkout.database.db, 2)) as [string, string]
    const { saleId } = await createSale(
      checkout.database.db,
      checkout.redis.redis,
      checkout.redis.space,
      {
        quantity: 10,
      },
    )
    const first = await placeOrder(checkout.url, a, { saleId, quantity: 1 }, 'shared-key')
    const second = await placeOrder(checkout.url, b, { saleId, quantity: 1 }, 'shared-key')
    expect([first.status, second.status]).toEqual([202, 202])
    expect(first.body.orderId).not.toBe(second.body.orderId)
  })

  it('answers 425 before the window and 410 after it, taking no stock', async () => {
    await using checkout = await startCheckout()
    const { db } = checkout.database
    const [buyer] = (await createBuyers(db, 1)) as [string]
    const hour = 3_600_000
    const early = await createSale(db, checkout.redis.redis, checkout.redis.space, {
      quantity: 5,
      startsAt: new Date(Date.now() + hour),
      endsAt: new Date(Date.now() + 2 * hour),
    })
    const late = await createSale(db, checkout.redis.redis, checkout.redis.space, {
      quantity: 5,
      startsAt: new Date(Date.now() - 2 * hour),
      endsAt: new Date(Date.now() - hour),
    })

    const before = await placeOrder(checkout.url, buyer, { saleId: early.saleId, quantity: 1 })
    const after = await placeOrder(checkout.url, buyer, { saleId: late.saleId, quantity: 1 })

    expect([before.status, before.body.error.code, after.status, after.body.error.code]).toEqual([
      425,
      'sale_not_started',
      410,
      'sale_ended',
    ])
    for (const { saleId } of [early, late])
      expect(
        await checkout.redis.redis.get(
          offerKeys(checkout.redis.space, { kind: 'sale', id: saleId }).stock,
        ),
      ).toBe('5')
  })

  it('sells a regular product through the same path, with no per-buyer limit', async () => {
    await using checkout = await startCheckout()
    const { db } = checkout.database
    const [buyer] = (await createBuyers(db, 1)) as [string]
    const productId = await createProduct(db, { price: 1_200, stock: 3 })
    await publishOffer(
      checkout.redis.redis,
      checkout.redis.space,
      { kind: 'product', id: productId },
      { productId, saleId: '', price: 1_200, perUserLimit: 0 },
      3,
    )

    const bought = await placeOrder(checkout.url, buyer, { productId, quantity: 3 })
    const more = await placeOrder(checkout.url, buyer, { productId, quantity: 1 })
    const order = await asBuyer(checkout.url, buyer, 'GET', `/orders/${bought.body.orderId}`)

    expect([bought.status, more.status, more.body.error.code]).toEqual([202, 409, 'sold_out'])
    expect(order.body.total).toBe(3_600)
    expect(order.body.items).toEqual([{ productId, saleId: null, quantity: 3, unitPrice: 1_200 }])
  })

  it('answers the crowd on a sold-out sale with reads, never the reserve script', async () => {
    await using checkout = await startCheckout({ soldOutFlagMs: 60_000 })
    const { db } = checkout.database
    const buyers = (await createBuyers(db, 3)) as [string, string, string]
    const { saleId } = await createSale(db, checkout.redis.redis, checkout.redis.space, {
      quantity: 1,
    })
    expect((await placeOrder(checkout.url, buyers[0], { saleId, quantity: 1 })).status).toBe(202)
    // The first refusal learns from the script that the sale is empty...
    expect(
      (await placeOrder(checkout.url, buyers[1], { saleId, quantity: 1 })).body.error.code,
    ).toBe('sold_out')

    const commands = countCommands(checkout.redis.redis)
    const later = await Promise.all(
      Array.from({ length: 20 }, () =>
        placeOrder(checkout.url, buyers[2], { saleId, quantity: 1 }),
      ),
    )
    commands.restore()

    // ...and the rest are answered from a read per event-loop turn, without running it.
    expect(later.every((a) => a.status === 409 && a.body.error.code === 'sold_out')).toBe(true)
    expect(commands.names.filter((name) => name.startsWith('eval'))).toEqual([])
    expect(commands.names.filter((name) => name === 'exec').length).toBeGreaterThan(0)
    expect(commands.names.filter((name) => name === 'exec').length).toBeLessThanOrEqual(20)

    // The token is checked first: without one the answer is 401, as on any sale.
    const anonymous = await fetch(`${checkout.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k' },
      body: JSON.stringify({ saleId, quantity: 1 }),
    })
    expect(anonymous.status).toBe(401)
  })
})
