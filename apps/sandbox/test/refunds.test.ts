import { afterAll, describe, expect, it } from 'bun:test'
import { call, charge, fresh, startSandbox } from './helpers.ts'

const sandbox = startSandbox()
afterAll(() => sandbox[Symbol.asyncDispose]())

const refund = (id: string) =>
  call(sandbox.url, 'POST', `/payments/${id}/refund`, {}, { 'idempotency-key': `refund:${id}` })

describe('POST /payments/:id/refund', () => {
  it('refunds a payment once however often and however concurrently it is asked', async () => {
    const { body: paid } = await charge(sandbox.url, fresh('order'))
    const answers = await Promise.all(Array.from({ length: 10 }, () => refund(paid.id)))
    const again = await refund(paid.id)

    const expected = {
      status: 200,
      body: { id: paid.id, status: 'refunded', refundedAt: expect.any(String) },
    }
    expect(answers[0]).toEqual(expected)
    for (const answer of [...answers, again]) expect(answer).toEqual(answers[0] as typeof again)
    const { body } = await call(sandbox.url, 'GET', `/payments?orderId=${paid.orderId}`)
    expect(body.items).toEqual([
      { ...paid, idempotencyKey: paid.orderId, refundedAt: answers[0]?.body.refundedAt },
    ])
    expect((await call(sandbox.url, 'GET', '/payments/stats')).body.refunds).toBe(1)
  })

  it('refuses to refund a declined payment with 409', async () => {
    await using own = startSandbox({ declineRate: 1 })
    const { body: declined } = await charge(own.url, fresh('order'))

    expect(declined.status).toBe('declined')
    expect(
      await call(
        own.url,
        'POST',
        `/payments/${declined.id}/refund`,
        {},
        { 'idempotency-key': 'r' },
      ),
    ).toEqual({
      status: 409,
      body: { error: { code: 'not_refundable', message: expect.any(String) } },
    })
  })

  it('answers 404 for a payment it never made', async () => {
    expect(await refund('pay_unknown')).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: 'no payment pay_unknown' } },
    })
  })
})
