import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { offerKeys, revokeToken, revokeUserTokens } from '@flash/redis'
import { craftToken, createBuyers, createSale, testTokens } from '@flash/testing'
import { countCommands, startCheckout } from './helpers.ts'

type Checkout = Awaited<ReturnType<typeof startCheckout>>

/**
 * A sale of 2 units (1 per buyer) that two buyers bought out, then refused
 * to a third: a checkout with the sold-out flag has flagged it by then.
 */
async function soldOutSale(checkout: Checkout) {
  const { db } = checkout.database
  const [holder, other, caller] = (await createBuyers(db, 3)) as [string, string, string]
  const { saleId } = await createSale(db, checkout.redis.redis, checkout.space, {
    quantity: 2,
    perUserLimit: 1,
  })
  const sale = {
    checkout,
    saleId,
    keys: offerKeys(checkout.space, { kind: 'sale', id: saleId }),
    holder: { id: holder, token: await tokenOf(holder), orderId: '' },
    caller: { id: caller, token: await tokenOf(caller) },
  }
  const held = await send(sale, { token: sale.holder.token, key: 'held-key' })
  const bought = await send(sale, { token: await tokenOf(other) })
  const refused = await send(sale, { token: sale.caller.token })
  expect([held.status, bought.status, refused.code]).toEqual([202, 202, 'sold_out'])
  sale.holder.orderId = held.orderId
  return sale
}

type Sale = Awaited<ReturnType<typeof soldOutSale>>

async function tokenOf(buyer: string) {
  return (await testTokens.signAccess({ id: buyer, role: 'buyer' })).token
}

/** POST /orders; `null` leaves a header out, `body` replaces the usual one. */
async function send(
  sale: Pick<Sale, 'checkout' | 'saleId'>,
  request: { token: string | null; key?: string | null; body?: unknown },
) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (request.token !== null) headers.authorization = `Bearer ${request.token}`
  const key = request.key === undefined ? crypto.randomUUID() : request.key
  if (key !== null) headers['idempotency-key'] = key
  const response = await fetch(`${sale.checkout.url}/orders`, {
    method: 'POST',
    headers,
    body: JSON.stringify(request.body ?? { saleId: sale.saleId, quantity: 1 }),
  })
  const body = (await response.json()) as { orderId?: string; error?: { code: string } }
  return { status: response.status, code: body.error?.code ?? null, orderId: body.orderId ?? '' }
}

type Case = {
  what: string
  /** What happens after the sell-out and before the request (on the same data). */
  before?: (sale: Sale) => Promise<unknown>
  request: (sale: Sale) => Parameters<typeof send>[1]
  status: number
  /** The error code, or for a 202 whether it is the holder's order again. */
  answer: string
}

const now = () => Math.floor(Date.now() / 1000)

const cases: Case[] = [
  {
    what: "the holder's lost 202, asked again with the same key and body",
    request: (s) => ({ token: s.holder.token, key: 'held-key' }),
    status: 202,
    answer: 'the same order',
  },
  {
    what: "the holder's key with another quantity",
    request: (s) => ({
      token: s.holder.token,
      key: 'held-key',
      body: { saleId: s.saleId, quantity: 2 },
    }),
    status: 422,
    answer: 'idempotency_key_reused',
  },
  {
    what: 'the holder with a new key, at the per-buyer limit',
    request: (s) => ({ token: s.holder.token }),
    status: 409,
    answer: 'limit_reached',
  },
  {
    what: "another buyer with the holder's key",
    request: (s) => ({ token: s.caller.token, key: 'held-key' }),
    status: 409,
    answer: 'sold_out',
  },
  {
    what: 'a buyer with nothing, with a new key',
    request: (s) => ({ token: s.caller.token }),
    status: 409,
    answer: 'sold_out',
  },
  {
    what: 'quantity 0',
    request: (s) => ({ token: s.caller.token, body: { saleId: s.saleId, quantity: 0 } }),
    status: 400,
    answer: 'invalid_request',
  },
  {
    what: 'an unknown field',
    request: (s) => ({ token: s.caller.token, body: { saleId: s.saleId, quantity: 1, gift: 1 } }),
    status: 400,
    answer: 'invalid_request',
  },
  {
    what: 'both saleId and productId',
    request: (s) => ({
      token: s.caller.token,
      body: { saleId: s.saleId, productId: s.saleId, quantity: 1 },
    }),
    status: 400,
    answer: 'invalid_request',
  },
  {
    what: 'no Idempotency-Key',
    request: (s) => ({ token: s.caller.token, key: null }),
    status: 400,
    answer: 'idempotency_key_required',
  },
  {
    what: 'an Idempotency-Key of 65 characters',
    request: (s) => ({ token: s.caller.token, key: 'k'.repeat(65) }),
    status: 400,
    answer: 'invalid_request',
  },
  {
    what: 'no token',
    request: () => ({ token: null }),
    status: 401,
    answer: 'unauthorized',
  },
  {
    what: 'a token signed with another key',
    request: (s) => ({ token: craftToken({ sub: s.caller.id }, { secret: 'x'.repeat(40) }) }),
    status: 401,
    answer: 'unauthorized',
  },
  {
    what: 'an expired token',
    request: (s) => ({
      token: craftToken({ sub: s.caller.id, iat: now() - 120, exp: now() - 60 }),
    }),
    status: 401,
    answer: 'unauthorized',
  },
  {
    what: 'a logged-out token',
    before: async (s) => {
      const identity = await testTokens.verifyAccess(s.caller.token)
      if (!identity) throw new Error('token did not verify')
      const { redis } = s.checkout.redis
      await revokeToken(redis, s.checkout.space, identity.tokenId, s.caller.id, identity.expiresAt)
    },
    request: (s) => ({ token: s.caller.token }),
    status: 401,
    answer: 'unauthorized',
  },
  {
    what: 'a token issued before a logout-all',
    before: (s) =>
      revokeUserTokens(s.checkout.redis.redis, s.checkout.space, s.caller.id, now(), 900),
    request: (s) => ({ token: s.caller.token }),
    status: 401,
    answer: 'unauthorized',
  },
  {
    what: 'a buyer after the window closed',
    before: (s) => s.checkout.redis.redis.hset(s.keys.meta, 'endsAt', Date.now() - 1_000),
    request: (s) => ({ token: s.caller.token }),
    status: 410,
    answer: 'sale_ended',
  },
  {
    what: 'a buyer after a unit came back outside this process',
    before: (s) => s.checkout.redis.redis.incr(s.keys.stock),
    request: (s) => ({ token: s.caller.token }),
    status: 202,
    answer: 'another order',
  },
]

/** What the case's request gets on `checkout`, and how many reserve scripts that took. */
async function answerOf(checkout: Checkout, c: Case) {
  const sale = await soldOutSale(checkout)
  await c.before?.(sale)
  const commands = countCommands(checkout.redis.redis)
  const { status, code, orderId } = await send(sale, c.request(sale))
  commands.restore()
  const answer =
    status === 202 ? (orderId === sale.holder.orderId ? 'the same order' : 'another order') : code
  const scripts = commands.names.filter((name) => name.startsWith('eval')).length
  return { answer: { status, answer }, scripts }
}

describe('a sale this process saw sold out answers every request as the full path does', () => {
  let flagged: Checkout
  let unflagged: Checkout
  beforeAll(async () => {
    flagged = await startCheckout({ soldOutFlagMs: 60_000 })
    unflagged = await startCheckout({ soldOutFlagMs: 0 })
  })
  afterAll(async () => {
    await flagged[Symbol.asyncDispose]()
    await unflagged[Symbol.asyncDispose]()
  })

  for (const c of cases)
    it(`answers ${c.status} ${c.answer} to ${c.what}`, async () => {
      const [shortcut, fullPath] = await Promise.all([answerOf(flagged, c), answerOf(unflagged, c)])
      const expected = { status: c.status, answer: c.answer }
      expect({ shortcut: shortcut.answer, fullPath: fullPath.answer }).toEqual({
        shortcut: expected,
        fullPath: expected,
      })
      // The sold-out answers of the flagged process came from its read, not from the script.
      if (c.answer === 'sold_out') expect(shortcut.scripts).toBe(0)
    })

  it('logged no server error', () => {
    expect([...flagged.errors, ...unflagged.errors]).toEqual([])
  })
})

describe('a sale this process saw sold out, with rate limits on', () => {
  const rateLimits = { perBuyer: 3, perClient: 1_000, windowSeconds: 3_600 }

  /** A buyer pressing "buy" five times on a sold-out sale, then a replay of the one order. */
  async function answersOf(checkout: Checkout) {
    const { db } = checkout.database
    const [holder, caller] = (await createBuyers(db, 2)) as [string, string]
    const { saleId } = await createSale(db, checkout.redis.redis, checkout.space, { quantity: 1 })
    const sale = { checkout, saleId }
    const holderToken = await tokenOf(holder)
    const callerToken = await tokenOf(caller)
    const answers = [await send(sale, { token: holderToken, key: 'held-key' })]
    for (let i = 0; i < 5; i++) answers.push(await send(sale, { token: callerToken }))
    answers.push(await send(sale, { token: holderToken, key: 'held-key' }))
    return answers.map(({ status, code }) => `${status} ${code ?? ''}`.trim())
  }

  it('counts every attempt and answers 429 past the limit, as the full path does', async () => {
    await using flagged = await startCheckout({ soldOutFlagMs: 60_000, rateLimits })
    await using unflagged = await startCheckout({ soldOutFlagMs: 0, rateLimits })
    const expected = [
      '202',
      '409 sold_out',
      '409 sold_out',
      '409 sold_out',
      '429 rate_limited',
      '429 rate_limited',
      '202',
    ]
    expect({
      shortcut: await answersOf(flagged),
      fullPath: await answersOf(unflagged),
    }).toEqual({ shortcut: expected, fullPath: expected })
  })
})
