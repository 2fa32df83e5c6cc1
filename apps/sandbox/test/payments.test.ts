import { afterAll, describe, expect, it } from 'bun:test'
import { call, charge, control, fresh, startSandbox } from './helpers.ts'

// Latency keeps the first charge in flight while its duplicates arrive.
const sandbox = startSandbox({ latencyMs: 50 })
afterAll(() => sandbox[Symbol.asyncDispose]())

describe('POST /payments', () => {
  it('charges once when 50 requests with the same key arrive together', async () => {
    const orderId = fresh('order')
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => charge(sandbox.url, orderId)),
    )

    const first = answers[0]
    expect(first).toEqual({
      status: 200,
      body: {
        id: expect.stringMatching(/^pay_/),
        orderId,
        amount: 49_000,
        currency: 'KRW',
        status: 'succeeded',
        createdAt: expect.any(String),
      },
    })
    for (const answer of answers) expect(answer).toEqual(first as (typeof answers)[number])
    const { body } = await call(sandbox.url, 'GET', `/payments?orderId=${orderId}`)
    expect(body.items).toEqual([{ ...first?.body, idempotencyKey: orderId, refundedAt: null }])
  })

  it('answers a repeated key with the first answer even after the decline rate changes', async () => {
    await using own = startSandbox()
    const orderId = fresh('order')
    const first = await charge(own.url, orderId)
    await control(own.url, { declineRate: 1 })

    expect(first.body.status).toBe('succeeded')
    expect(await charge(own.url, orderId)).toEqual(first)
  })

  it('charges again for a new key and counts both in the stats', async () => {
    await using own = startSandbox()
    const orderId = fresh('order')
    const first = await charge(own.url, orderId, 100, 'key-1')
    const second = await charge(own.url, orderId, 100, 'key-2')

    expect(second.body.id).not.toBe(first.body.id)
    expect((await call(own.url, 'GET', '/payments/stats')).body).toEqual({
      charges: 2,
      declines: 0,
      refunds: 0,
      distinctOrders: 1,
      received: 2,
    })
  })

  it('refuses a repeated key that comes with another body', async () => {
    const orderId = fresh('order')
    await charge(sandbox.url, orderId, 100)
    expect(await charge(sandbox.url, orderId, 200)).toEqual({
      status: 409,
      body: { error: { code: 'idempotency_key_reused', message: expect.any(String) } },
    })
    expect(
      (await call(sandbox.url, 'GET', `/payments?orderId=${orderId}`)).body.items,
    ).toHaveLength(1)
  })
})
