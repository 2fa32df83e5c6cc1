import { describe, expect, it } from 'bun:test'
import { offerKeys, revokeToken, revokeUserTokens } from '@flash/redis'
import { craftToken, createBuyers, createSale, testTokens } from '@flash/testing'
import { startCheckout } from './helpers.ts'

async function order(url: string, token: string, saleId: string) {
  const response = await fetch(`${url}/orders`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': crypto.randomUUID(),
    },
    body: JSON.stringify({ saleId, quantity: 1 }),
  })
  return { status: response.status, body: (await response.json()) as { error?: { code: string } } }
}

describe('a logged-out token on the hot path', () => {
  it('is refused on the very next order, in the same Redis call, taking no stock', async () => {
    await using checkout = await startCheckout()
    const [buyer] = (await createBuyers(checkout.database.db, 1)) as [string]
    const { saleId } = await createSale(
      checkout.database.db,
      checkout.redis.redis,
      checkout.redis.space,
      {
        quantity: 10,
        perUserLimit: 10,
      },
    )
    const { token } = await testTokens.signAccess({ id: buyer, role: 'buyer' })
    const identity = await testTokens.verifyAccess(token)
    if (!identity) throw new Error('token did not verify')
    expect((await order(checkout.url, token, saleId)).status).toBe(202)

    await revokeToken(
      checkout.redis.redis,
      checkout.redis.space,
      identity.tokenId,
      buyer,
      identity.expiresAt,
    )
    const refused = await order(checkout.url, token, saleId)

    expect([refused.status, refused.body.error?.code]).toEqual([401, 'unauthorized'])
    const stock = offerKeys(checkout.redis.space, { kind: 'sale', id: saleId }).stock
    expect(await checkout.redis.redis.get(stock)).toBe('9')
  })

  it('refuses every token issued before a logout-all and accepts one issued after', async () => {
    await using checkout = await startCheckout()
    const [buyer] = (await createBuyers(checkout.database.db, 1)) as [string]
    const { saleId } = await createSale(
      checkout.database.db,
      checkout.redis.redis,
      checkout.redis.space,
      {
        quantity: 10,
        perUserLimit: 10,
      },
    )
    const now = Math.floor(Date.now() / 1000)
    const old = craftToken({ sub: buyer, iat: now - 60 })
    const fresh = craftToken({ sub: buyer, iat: now + 1 })

    await revokeUserTokens(checkout.redis.redis, checkout.redis.space, buyer, now, 900)

    expect([
      (await order(checkout.url, old, saleId)).status,
      (await order(checkout.url, fresh, saleId)).status,
    ]).toEqual([401, 202])
  })
})
