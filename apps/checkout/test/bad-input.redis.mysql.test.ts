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

describe('the other order routes refuse bad input with the API error body', () => {
  const routes: [string, string, string, number][] = [
    ['an id that is not an id on read', 'GET', '/orders/not-an-id', 400],
    ['an id that is not an id on cancel', 'POST', '/orders/123/cancel', 400],
    ['an id that is not an id on return', 'POST', '/orders/%00/return', 400],
    ['a huge limit', 'GET', '/orders?limit=1000000', 400],
    ['a zero limit', 'GET', '/orders?limit=0', 400],
    ['a limit that is not a number', 'GET', '/orders?limit=ten', 400],
    ['a cursor that is not an id', 'GET', '/orders?cursor=abc', 400],
    ['an unknown order on cancel', 'POST', `/orders/${crypto.randomUUID()}/cancel`, 404],
    ['an unknown sub-route', 'POST', `/orders/${crypto.randomUUID()}/refund`, 404],
  ]
  for (const [what, method, path, status] of routes) {
    it(`answers ${status} to ${what}`, async () => {
      const response = await fetch(`${checkout.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${buyerToken}` },
      })
      const text = await response.text()
      const body = JSON.parse(text) as { error: { code: string; message: string } }
      expect(response.status).toBe(status)
      expect(typeof body.error.code).toBe('string')
      expect(text).not.toContain('    at ')
    })
  }

  it('answers 400 to an empty POST /orders body', async () => {
    const answer = await post('')
    expect({ status: answer.status, code: answer.body.error.code }).toEqual({
      status: 400,
      code: 'invalid_request',
    })
  })

  it('answers 413 to an oversized body sent without a Content-Length', async () => {
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1024)))
        controller.close()
      },
    })
    const response = await fetch(`${checkout.url}/orders`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${buyerToken}`,
        'content-type': 'application/json',
        'idempotency-key': 'k',
      },
      body: chunks,
    })
    expect(response.status).toBe(413)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'payload_too_large',
    )
  })
})

describe('GET /orders/:id', () => {
  it('answers 400 to an id that is not an id and 404 to an unknown one', async () => {
    const headers = { authorization: `Bearer ${buyerToken}` }
    const bad = await fetch(`${checkout.url}/orders/not-an-id`, { headers })
    const unknown = await fetch(`${checkout.url}/orders/${crypto.randomUUID()}`, { headers })
    expect([bad.status, unknown.status]).toEqual([400, 404])
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('not_found')
  })
})
