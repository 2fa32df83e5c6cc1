import { describe, expect, it } from 'bun:test'
import { freePort } from '@flash/devstack'
import {
  createBuyers,
  createSale,
  spawnApp,
  testDatabase,
  testRedis,
  waitFor,
} from '@flash/testing'
import { placeOrder, SERVICE_TOKEN, startCheckout } from './helpers.ts'

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

  it('counts every buyer behind one client address together, taking the address from a request carrying the gateway credential', async () => {
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
    const forwardedFor = (address: string) => ({
      'x-forwarded-for': address,
      'x-service-token': SERVICE_TOKEN,
    })

    const behindOne = []
    for (const buyer of buyers)
      behindOne.push(
        (
          await placeOrder(
            checkout.url,
            buyer,
            { saleId, quantity: 1 },
            undefined,
            forwardedFor('203.0.113.7'),
          )
        ).status,
      )
    const another = await placeOrder(
      checkout.url,
      buyers[0] as string,
      { saleId, quantity: 1 },
      undefined,
      forwardedFor('198.51.100.1'),
    )

    expect(behindOne).toEqual([202, 202, 202, 202, 202, 429, 429, 429])
    expect(another.status).not.toBe(429)
  })

  it('on its own port, counts orders against the caller whatever X-Forwarded-For says unless the gateway credential comes with it', async () => {
    await using database = await testDatabase()
    await using redis = await testRedis()
    await using checkout = await spawnCheckout({
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
      SERVICE_TOKEN,
      ORDER_RATE_PER_BUYER: '100',
      ORDER_RATE_PER_CLIENT: '3',
      ORDER_RATE_WINDOW_SECONDS: '60',
    })
    const buyers = await createBuyers(database.db, 12)
    const { saleId } = await createSale(database.db, redis.redis, redis.space, { quantity: 100 })
    const order = (buyer: string, headers: Record<string, string>) =>
      placeOrder(checkout.url, buyer, { saleId, quantity: 1 }, undefined, headers).then(
        (reply) => reply.status,
      )

    // A caller on the app's port names another address each time: forged, or with a wrong credential.
    const forged = []
    for (const [i, buyer] of buyers.slice(0, 4).entries())
      forged.push(await order(buyer, { 'x-forwarded-for': `203.0.113.${i}` }))
    const wrongCredential = await order(buyers[4] as string, {
      'x-forwarded-for': '203.0.113.50',
      'x-service-token': `${SERVICE_TOKEN}x`,
    })
    // The gateway, with the credential, speaks for other clients: each address has its own count.
    const forwarded = []
    for (const [i, buyer] of buyers.slice(5).entries())
      forwarded.push(
        await order(buyer, {
          'x-forwarded-for': `198.51.100.${i % 2}`,
          'x-service-token': SERVICE_TOKEN,
        }),
      )

    expect({ forged, wrongCredential, forwarded }).toEqual({
      forged: [202, 202, 202, 429],
      wrongCredential: 429,
      // 198.51.100.0 and .1 alternate: four orders each would be one too many, three are not.
      forwarded: [202, 202, 202, 202, 202, 202, 429],
    })
  }, 60_000)
})

/** Checkout as `bun run start` runs it, on a free port, answering /health. */
async function spawnCheckout(env: Record<string, string>) {
  const url = `http://127.0.0.1:${await freePort()}`
  const child = spawnApp('checkout', { ...env, PORT: new URL(url).port })
  await waitFor(async () => (await fetch(`${url}/health`).catch(() => null))?.ok, {
    what: 'checkout to answer /health',
    timeoutMs: 30_000,
  })
  return { url, [Symbol.asyncDispose]: () => child[Symbol.asyncDispose]() }
}
