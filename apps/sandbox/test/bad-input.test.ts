import { afterAll, describe, expect, it } from 'bun:test'
import { type Answer, call, startSandbox } from './helpers.ts'

const sandbox = startSandbox()
afterAll(() => sandbox[Symbol.asyncDispose]())

const key = { 'idempotency-key': 'order-1' }
const resendHeaders = { authorization: 'Bearer re_test_key' }
const mail = { from: 'shop@flash.test', to: 'a@flash.test', subject: 'Hi', text: 'hi' }
const pay = (body: unknown, headers: Record<string, string> = key) =>
  call(sandbox.url, 'POST', '/payments', body, headers)
const send = (body: unknown, headers: Record<string, string> = resendHeaders) =>
  call(sandbox.url, 'POST', '/emails', body, headers)

describe('bad input gets the API error body and records nothing', () => {
  const cases: [string, () => Promise<Answer>, number, string][] = [
    [
      'a payment without an Idempotency-Key',
      () => pay({ orderId: 'o', amount: 1 }, {}),
      400,
      'idempotency_key_required',
    ],
    ['a payment with malformed JSON', () => pay('{"orderId": '), 400, 'invalid_request'],
    ['a payment without an order id', () => pay({ amount: 1 }), 400, 'invalid_request'],
    ['a payment of 0', () => pay({ orderId: 'o', amount: 0 }), 400, 'invalid_request'],
    ['a fractional amount', () => pay({ orderId: 'o', amount: 1.5 }), 400, 'invalid_request'],
    ['an amount as a string', () => pay({ orderId: 'o', amount: '100' }), 400, 'invalid_request'],
    [
      'a currency that is not ISO 4217',
      () => pay({ orderId: 'o', amount: 1, currency: 'won' }),
      400,
      'invalid_request',
    ],
    [
      'an unknown payment field',
      () => pay({ orderId: 'o', amount: 1, card: '4242' }),
      400,
      'invalid_request',
    ],
    [
      'a decline rate above 1',
      () => call(sandbox.url, 'POST', '/control', { declineRate: 2 }),
      400,
      'invalid_request',
    ],
    [
      'a negative latency',
      () => call(sandbox.url, 'POST', '/control', { latencyMs: -1 }),
      400,
      'invalid_request',
    ],
    [
      'an outage that is not a boolean',
      () => call(sandbox.url, 'POST', '/control', { outage: 'yes' }),
      400,
      'invalid_request',
    ],
    ['an e-mail without an API key', () => send(mail, {}), 401, 'unauthorized'],
    [
      'an e-mail without a subject',
      () => send({ ...mail, subject: undefined }),
      400,
      'invalid_request',
    ],
    ['an e-mail to nobody', () => send({ ...mail, to: [] }), 400, 'invalid_request'],
    [
      'an e-mail without html or text',
      () => send({ ...mail, text: undefined }),
      400,
      'invalid_request',
    ],
    [
      'a body over the size limit',
      () => send({ ...mail, text: 'x'.repeat(70_000) }),
      413,
      'payload_too_large',
    ],
    ['an unknown route', () => call(sandbox.url, 'GET', '/charges'), 404, 'not_found'],
  ]

  for (const [what, request, status, code] of cases)
    it(`refuses ${what} with ${status} ${code}`, async () => {
      expect(await request()).toEqual({
        status,
        body: { error: { code, message: expect.any(String) } },
      })
    })

  it('has recorded no payment and no e-mail after all of them', async () => {
    expect((await call(sandbox.url, 'GET', '/payments/stats')).body.charges).toBe(0)
    expect((await call(sandbox.url, 'GET', '/emails')).body.items).toEqual([])
    expect((await call(sandbox.url, 'GET', '/control')).body).toMatchObject({
      declineRate: 0,
      latencyMs: 0,
      outage: false,
    })
  })
})
