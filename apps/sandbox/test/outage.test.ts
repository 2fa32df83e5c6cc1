import { describe, expect, it } from 'bun:test'
import { call, charge, control, fresh, startSandbox } from './helpers.ts'

const unavailable = {
  status: 503,
  body: { error: { code: 'unavailable', message: expect.any(String) } },
}

describe('the outage switch', () => {
  it('answers 503 to every payment call and records nothing, then recovers', async () => {
    await using sandbox = startSandbox()
    const paid = await charge(sandbox.url, fresh('order'))
    const orderId = fresh('order')

    expect((await control(sandbox.url, { outage: true })).body.outage).toBe(true)
    expect(await charge(sandbox.url, orderId)).toEqual(unavailable)
    expect(await charge(sandbox.url, paid.body.orderId)).toEqual(unavailable)
    expect(await call(sandbox.url, 'POST', `/payments/${paid.body.id}/refund`, {})).toEqual(
      unavailable,
    )
    expect((await call(sandbox.url, 'GET', '/payments/stats')).body).toEqual({
      charges: 1,
      declines: 0,
      refunds: 0,
      distinctOrders: 1,
      received: 1,
    })

    await control(sandbox.url, { outage: false })
    const recovered = await charge(sandbox.url, orderId)
    expect(recovered.body).toMatchObject({ orderId, status: 'succeeded' })
    expect(await charge(sandbox.url, orderId)).toEqual(recovered)
    expect(
      (await call(sandbox.url, 'GET', `/payments?orderId=${orderId}`)).body.items,
    ).toHaveLength(1)
  })
})
