import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { offerKeys } from '@flash/redis'
import { craftToken, createBuyers, createSale } from '@flash/testing'
import { startCheckout } from './helpers.ts'

type Checkout = Awaited<ReturnType<typeof startCheckout>>
let checkout: Checkout
let saleId: string
let buyerToken: string

beforeAll(async () => {
  checkout = await startCheckout()
  const [buyer] = await createBuyers(checkout.database.db, 1)
  ;({ saleId } = await createSale(
    checkout.database.db,
    checkout.redis.redis,
    checkout.redis.space,
    {
      quantity: 10,
      perUserLimit: 5,
    },
  ))
  buyerToken = craftToken({ sub: buyer })
})
afterAll(() => checkout[Symbol.asyncDispose]())

async function post(body: string, headers: Record<string, string | null> = {}) {
  const merged: Record<string, string | null> = {
    authorization: `Bearer ${buyerToken}`,
    'content-type': 'application/json',
    'idempotency-key': crypto.randomUUID(),
    ...headers,
  }
  const response = await fetch(`${checkout.url}/orders`, {
    method: 'POST',
    headers: Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== null)) as Record<
      string,
      string
    >,
    body,
  })
  const text = await response.text()
  return { status: response.status, text, body: JSON.parse(text) }
}

const now = () => Math.floor(Date.now() / 1000)

describe('POST /orders refuses bad input with the API error body', () => {
  const cases: [string, () => Promise<Awaited<ReturnType<typeof post>>>, number, string][] = [
    ['malformed JSON', () => post('{"saleId": '), 400, 'invalid_request'],
    ['a missing quantity', () => post(JSON.stringify({ saleId })), 400, 'invalid_request'],
    ['quantity 0', () => post(JSON.stringify({ saleId, quantity: 0 })), 400, 'invalid_request'],
    [
      'a negative quantity',
      () => post(JSON.stringify({ saleId, quantity: -1 })),
      400,
      'invalid_request',
    ],
    [
      'a fractional quantity',
      () => post(JSON.stringify({ saleId, quantity: 1.5 })),
      400,
      'invalid_request',
    ],
    [
      'a quantity given as text',
      () => post(JSON.stringify({ saleId, quantity: '1' })),
      400,
      'invalid_request',
    ],
    [
      'neither saleId nor productId',
      () => post(JSON.stringify({ quantity: 1 })),
      400,
      'invalid_request',
    ],
    [
      'both saleId and productId',
      () => post(JSON.stringify({ saleId, productId: saleId, quantity: 1 })),
      400,
      'invalid_request',
    ],
    [
      'a saleId that is not an id',
      () => post(JSON.stringify({ saleId: 'abc', quantity: 1 })),
      400,
      'invalid_request',
    ],
    [
      'an unknown sale',
      () => post(JSON.stringify({ saleId: crypto.randomUUID(), quantity: 1 })),
      404,
      'not_found',
    ],
    [
      'an unknown field',
      () => post(JSON.stringify({ saleId, quantity: 1, price: 1 })),
      400,
      'invalid_request',
    ],
    ['a JSON array', () => post('[1,2]'), 400, 'invalid_request'],
    [
      'an oversized body',
      () => post(JSON.stringify({ saleId, quantity: 1, pad: 'x'.repeat(20_000) })),
      413,
      'payload_too_large',
    ],
    [
      'a missing Idempotency-Key',
      () => post(JSON.stringify({ saleId, quantity: 1 }), { 'idempotency-key': null }),
      400,
      'idempotency_key_required',
    ],
    [
      'an Idempotency-Key over 64 characters',
      () => post(JSON.stringify({ saleId, quantity: 1 }), { 'idempotency-key': 'k'.repeat(65) }),
      400,
      'invalid_request',
    ],
    [
      'a missing token',
      () => post(JSON.stringify({ saleId, quantity: 1 }), { authorization: null }),
      401,
      'unauthorized',
    ],
    [
      'a token signed with another key',
      () =>
        post(JSON.stringify({ saleId, quantity: 1 }), {
          authorization: `Bearer ${craftToken({}, { secret: 'attacker-secret-attacker-secret-00' })}`,
        }),
      401,
      'unauthorized',
    ],
    [
      'an expired token',
      () =>
        post(JSON.stringify({ saleId, quantity: 1 }), {
          authorization: `Bearer ${craftToken({ exp: now() - 60, iat: now() - 1000 })}`,
        }),
      401,
      'unauthorized',
    ],
    [
      'an alg:none token',
      () =>
        post(JSON.stringify({ saleId, quantity: 1 }), {
          authorization: `Bearer ${craftToken({}, { alg: 'none' })}`,
        }),
      401,
      'unauthorized',
    ],
    [
      'a token for another audience',
      () =>
        post(JSON.stringify({ saleId, quantity: 1 }), {
          authorization: `Bearer ${craftToken({ aud: 'someone-else' })}`,
        }),
      401,
      'unauthorized',
    ],
    [
      'a tampered payload',
      () => {
        const [head, , signature] = buyerToken.split('.')
        const forged = Buffer.from(
          JSON.stringify({ sub: crypto.randomUUID(), role: 'admin' }),
        ).toString('base64url')
        return post(JSON.stringify({ saleId, quantity: 1 }), {
          authorization: `Bearer ${head}.${forged}.${signature}`,
        })
      },
      401,
      'unauthorized',
    ],
    [
      'a non-Bearer scheme',
      () => post(JSON.stringify({ saleId, quantity: 1 }), { authorization: `Basic ${buyerToken}` }),
      401,
      'unauthorized',
    ],
  ]

  for (const [what, send, status, code] of cases) {
    it(`answers ${status} ${code} to ${what}`, async () => {
      const answer = await send()
      expect({ status: answer.status, code: answer.body.error?.code }).toEqual({ status, code })
      expect(typeof answer.body.error.message).toBe('string')
      expect(answer.text).not.toContain('    at ')
    })
  }

  it('took no stock for any refused request and logged no server error', async () => {
    const stock = await checkout.redis.redis.get(
      offerKeys(checkout.redis.space, { kind: 'sale', id: saleId }).stock,
    )
    expect({ stock, errors: checkout.errors }).toEqual({ stock: '10', errors: [] })
  })
})

describe('GET /orders/:id', () => {
  it('answers 400 to an id that is not an id and 404 to an unknown one', async () => {
    const headers = { authorization: `Bearer ${buyerToken}` }
    const bad = await fetch(`${checkout.url}/orders/not-an-id`, { headers })
    const unknown = await fetch(`${checkout.url}/orders/${crypto.randomUUID()}`, { headers })
    expect([bad.status, unknown.status]).toEqual([400, 404])
    expect((await unknown.json()).error.code).toBe('not_found')
  })
})
