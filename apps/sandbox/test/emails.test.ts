import { afterAll, describe, expect, it } from 'bun:test'
import { Resend } from 'resend'
import { fresh, freshAddress, inboxOf, startSandbox } from './helpers.ts'

const sandbox = startSandbox()
afterAll(() => sandbox[Symbol.asyncDispose]())

// resend@6 takes its base URL from the `baseUrl` option, else from
// RESEND_BASE_URL (read once, in the constructor), else https://api.resend.com.
const resend = new Resend('re_test_key', { baseUrl: sandbox.url })
const address = freshAddress
const inbox = (to: string) => inboxOf(sandbox.url, to)

describe('POST /emails with the real resend SDK', () => {
  it('delivers an e-mail sent without an idempotency key to GET /emails?to=', async () => {
    const to = address()
    const sent = await resend.emails.send({
      from: 'Flash Sale <shop@flash.test>',
      to,
      subject: 'Your order is paid',
      text: 'Thanks!',
      html: '<p>Thanks!</p>',
    })

    expect(sent.error).toBeNull()
    expect(await inbox(to)).toEqual([
      {
        id: sent.data?.id,
        from: 'Flash Sale <shop@flash.test>',
        to: [to],
        subject: 'Your order is paid',
        text: 'Thanks!',
        html: '<p>Thanks!</p>',
        createdAt: expect.any(String),
      },
    ])
  })

  it('stores an e-mail once when the SDK repeats its idempotency key', async () => {
    const to = address()
    const mail = { from: 'shop@flash.test', to, subject: 'Paid', text: 'Thanks' }
    const key = fresh('order-paid')
    const first = await resend.emails.send(mail, { idempotencyKey: key })
    const again = await resend.emails.send(mail, { idempotencyKey: key })

    expect(first.data?.id).toEqual(expect.any(String))
    expect(again.data).toEqual(first.data)
    expect(await inbox(to)).toHaveLength(1)
  })

  it('lists the newest e-mail first and finds every recipient of a list', async () => {
    const [ann, bob] = [address(), address()]
    await resend.emails.send({ from: 'shop@flash.test', to: ann, subject: 'first', text: '1' })
    await resend.emails.send({
      from: 'shop@flash.test',
      to: [`Ann <${ann.toUpperCase()}>`, bob],
      subject: 'second',
      text: '2',
    })

    expect((await inbox(ann)).map((mail: { subject: string }) => mail.subject)).toEqual([
      'second',
      'first',
    ])
    expect(await inbox(bob)).toHaveLength(1)
  })

  it('is found through RESEND_BASE_URL when the SDK gets no baseUrl option', async () => {
    const before = process.env.RESEND_BASE_URL
    process.env.RESEND_BASE_URL = sandbox.url
    try {
      const to = address()
      const sent = await new Resend('re_test_key').emails.send({
        from: 'shop@flash.test',
        to,
        subject: 'Hello',
        text: 'from env',
      })
      expect(sent.error).toBeNull()
      expect(await inbox(to)).toHaveLength(1)
    } finally {
      if (before === undefined) delete process.env.RESEND_BASE_URL
      else process.env.RESEND_BASE_URL = before
    }
  })

  it('hands the SDK the error body when a key is reused for another e-mail', async () => {
    const to = address()
    const key = fresh('reused')
    await resend.emails.send(
      { from: 'shop@flash.test', to, subject: 'a', text: 'a' },
      { idempotencyKey: key },
    )
    const reused = await resend.emails.send(
      { from: 'shop@flash.test', to, subject: 'b', text: 'b' },
      { idempotencyKey: key },
    )

    expect(reused).toMatchObject({
      data: null,
      error: { error: { code: 'idempotency_key_reused', message: expect.any(String) } },
    })
    expect(await inbox(to)).toHaveLength(1)
  })
})
