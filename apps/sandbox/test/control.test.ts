import { describe, expect, it } from 'bun:test'
import { Resend } from 'resend'
import { call, charge, control, fresh, startSandbox } from './helpers.ts'

describe('/control', () => {
  it('reads and changes the settings while the sandbox runs', async () => {
    await using sandbox = startSandbox({ declineRate: 0.2, seed: 'a' })
    expect((await call(sandbox.url, 'GET', '/control')).body).toEqual({
      declineRate: 0.2,
      rejectRate: 0,
      lostAnswerRate: 0,
      latencyMs: 0,
      outage: false,
      seed: 'a',
      next: [],
    })

    const changed = await control(sandbox.url, { declineRate: 0.5, latencyMs: 5 })
    expect(changed).toEqual({
      status: 200,
      body: {
        declineRate: 0.5,
        rejectRate: 0,
        lostAnswerRate: 0,
        latencyMs: 5,
        outage: false,
        seed: 'a',
        next: [],
      },
    })
    expect((await call(sandbox.url, 'GET', '/control')).body).toEqual(changed.body)
  })

  it('reset forgets every payment and e-mail but keeps the settings', async () => {
    await using sandbox = startSandbox({ latencyMs: 1 })
    await charge(sandbox.url, fresh('order'))
    await new Resend('re_test_key', { baseUrl: sandbox.url }).emails.send({
      from: 'shop@flash.test',
      to: 'buyer@flash.test',
      subject: 'Paid',
      text: 'Thanks',
    })

    expect((await call(sandbox.url, 'POST', '/control/reset')).body).toEqual({
      cleared: { payments: 1, emails: 1 },
    })
    expect((await call(sandbox.url, 'GET', '/payments')).body).toEqual({ items: [] })
    expect((await call(sandbox.url, 'GET', '/emails')).body).toEqual({ items: [] })
    expect((await call(sandbox.url, 'GET', '/control')).body.latencyMs).toBe(1)
  })
})
