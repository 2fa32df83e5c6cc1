import { describe, expect, it } from 'bun:test'
import { createBuyers, createSale, waitFor } from '@flash/testing'
import { placeOrder, startCheckout } from './helpers.ts'

describe('rate limits on POST /orders', () => {
  it('answers 429 with Retry-After once a buyer exceeds the limit, and lets them in again after the window', async () => {
    await using checkout = await startCheckout({
      rateLimits: { perBuyer: 3, perClient: 1_000, windowSeconds: 1 },
    })
    const [buyer] = (await createBuyers(checkout.database.db, 1)) as [string]
    const { saleId } = await createSale(
      checkout.database.db,
      checkout.redis.redis,
      checkout.redis.space,
      {
        quantity: 100,
        perUserLimit: 100,
      },
    )

    const answers = []
    for (let i = 0; i < 4; i++)
      answers.push(await placeOrder(checkout.url, buyer, { saleId, quantity: 1 }))

    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 429])
    expect(answers[3]?.body.error.code).toBe('rate_limited')
    expect(Number(answers[3]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    await waitFor(
      async () => (await placeOrder(checkout.url, buyer, { saleId, quantity: 1 })).status === 202,
      {
        timeoutMs: 5_000,
        what: 'the window to reset',
      },
    )
  })

  it('counts every buyer behind one client address together, taking the address from the trusted gateway', async () => {
    await using checkout = await startCheckout({
      rateLimits: { perBuyer: 100, perClient: 5, windowSeconds: 60 },
    })
    const buyers = await createBuyers(checkout.database.db, 8)
    const { saleId } = await createSale(
      checkout.database.db,
      checkout.redis.redis,
      checkout.redis.space,
      {
        quantity: 100,
      },
    )

    const behindOne = []
    for (const buyer of buyers)
      behindOne.push(
        (
          await placeOrder(checkout.url, buyer, { saleId, quantity: 1 }, undefined, {
            'x-forwarded-for': '203.0.113.7',
          })
        ).status,
      )
    const another = await placeOrder(
      checkout.url,
      buyers[0] as string,
      { saleId, quantity: 1 },
      undefined,
      {
        'x-forwarded-for': '198.51.100.1',
      },
    )

    expect(behindOne).toEqual([202, 202, 202, 202, 202, 429, 429, 429])
    expect(another.status).not.toBe(429)
  })

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    // Nobody is trusted: the test client is an untrusted peer forging the header.
    await using checkout = await startCheckout({
      rateLimits: { perBuyer: 100, perClient: 2, windowSeconds: 60 },
      trustedProxies: [],
    })
    const buyers = await createBuyers(checkout.database.db, 3)
    const { saleId } = await createSale(
      checkout.database.db,
      checkout.redis.redis,
      checkout.redis.space,
      {
        quantity: 100,
      },
    )
    const statuses = []
    for (const [i, buyer] of buyers.entries())
      statuses.push(
        (
          await placeOrder(checkout.url, buyer, { saleId, quantity: 1 }, undefined, {
            'x-forwarded-for': `10.0.0.${i}`,
          })
        ).status,
      )
    expect(statuses).toEqual([202, 202, 429])
  })
})
