import { afterAll, describe, expect, it } from 'bun:test'
import { Resend } from 'resend'
import { call, fresh, freshAddress, inboxOf, startSandbox } from './helpers.ts'

const sandbox = startSandbox()
afterAll(() => sandbox[Symbol.asyncDispose]())

const resend = new Resend('re_test_key', { baseUrl: sandbox.url })
const address = freshAddress
const inbox = (to: string) => inboxOf(sandbox.url, to)
const mail = (to: string, subject = 'Your order is paid') => ({
  from: 'Flash Sale <shop@flash.test>',
  to,
  subject,
  text: `Hello ${to}`,
})

describe('POST /emails/batch with the real resend SDK', () => {
  it('stores every e-mail of a batch and answers their ids in order', async () => {
    const [ann, bob] = [address(), address()]
    const sent = await resend.batch.send([mail(ann), mail(bob, 'Your order failed')])

    expect(sent.error).toBeNull()
    const [annMail] = await inbox(ann)
    const [bobMail] = await inbox(bob)
    expect(sent.data as unknown).toEqual({ data: [{ id: annMail.id }, { id: bobMail.id }] })
    expect(bobMail).toEqual({
      id: expect.any(String),
      from: 'Flash Sale <shop@flash.test>',
      to: [bob],
      subject: 'Your order failed',
      text: `Hello ${bob}`,
      html: null,
      createdAt: expect.any(String),
    })
  })

  it('answers a repeated idempotency key with the first answer and stores nothing again', async () => {
    const [ann, bob] = [address(), address()]
    const batch = [mail(ann), mail(bob)]
    const key = fresh('batch')
    const first = await resend.batch.send(batch, { idempotencyKey: key })
    const again = await resend.batch.send(batch, { idempotencyKey: key })

    expect(first.data?.data).toHaveLength(2)
    expect(again.data as unknown).toEqual(first.data)
    expect([(await inbox(ann)).length, (await inbox(bob)).length]).toEqual([1, 1])
  })

  it('refuses a key reused for another batch with Resend error and sends nothing', async () => {
    const [ann, bob] = [address(), address()]
    const key = fresh('batch')
    await resend.batch.send([mail(ann)], { idempotencyKey: key })
    const reused = await resend.batch.send([mail(ann), mail(bob)], { idempotencyKey: key })

    expect(reused).toMatchObject({
      data: null,
      error: { statusCode: 409, name: 'invalid_idempotent_request', message: expect.any(String) },
    })
    expect([(await inbox(ann)).length, (await inbox(bob)).length]).toEqual([1, 0])
  })

  it('refuses the whole batch in strict mode when one e-mail is invalid', async () => {
    const [ann, bob] = [address(), address()]
    const refused = await resend.batch.send([
      mail(ann),
      { from: 'shop@flash.test', to: bob, subject: 'no body' } as never,
    ])

    expect(refused).toMatchObject({
      data: null,
      error: { statusCode: 422, name: 'validation_error', message: expect.stringContaining('[1]') },
    })
    expect([(await inbox(ann)).length, (await inbox(bob)).length]).toEqual([0, 0])
  })

  it('sends the valid e-mails in permissive mode and lists the others by index', async () => {
    const [ann, bob] = [address(), address()]
    const sent = await resend.batch.send(
      [{ from: 'shop@flash.test', to: [], subject: 'nobody', text: 'x' }, mail(ann), mail(bob)],
      { batchValidation: 'permissive' },
    )

    expect(sent.error).toBeNull()
    expect(sent.data as unknown).toEqual({
      data: [{ id: expect.any(String) }, { id: expect.any(String) }],
      errors: [{ index: 0, message: expect.any(String) }],
    })
    expect([(await inbox(ann)).length, (await inbox(bob)).length]).toEqual([1, 1])
  })

  it('refuses more than 100 e-mails, a missing API key and an overlong key', async () => {
    const to = address()
    const tooMany = await resend.batch.send(Array.from({ length: 101 }, () => mail(to)))
    const noKey = await call(sandbox.url, 'POST', '/emails/batch', [mail(to)])
    const longKey = await resend.batch.send([mail(to)], { idempotencyKey: 'k'.repeat(257) })

    expect({
      tooMany: tooMany.error,
      noKey: noKey.body,
      noKeyStatus: noKey.status,
      longKey: longKey.error,
    }).toEqual({
      tooMany: { statusCode: 422, name: 'validation_error', message: expect.any(String) },
      noKey: { statusCode: 401, name: 'missing_api_key', message: expect.any(String) },
      noKeyStatus: 401,
      longKey: { statusCode: 400, name: 'invalid_idempotency_key', message: expect.any(String) },
    })
    expect(await inbox(to)).toEqual([])
  })
})
