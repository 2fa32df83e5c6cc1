import { describe, expect, it } from 'bun:test'
import type { EmailRequested } from '@flash/contracts'
import { freePort } from '@flash/devstack'
import { duplicateClient } from '@flash/redis'
import { spawnApp, testDatabase, testRedis, waitFor } from '@flash/testing'
import { Resend } from 'resend'
import { sendEmails } from '../src/consumers/email.ts'
import { mailOutbox } from '../src/consumers/email-outbox.ts'
import { testContext } from './helpers.ts'

const FROM = 'Flash Sale <orders@flash.test>'

async function world() {
  const database = await testDatabase()
  const r = await testRedis()
  const port = await freePort()
  const sandbox = spawnApp('sandbox', { PORT: String(port) })
  const url = `http://127.0.0.1:${port}`
  await waitFor(async () => (await fetch(`${url}/health`).catch(() => null))?.ok, {
    what: 'the sandbox to start',
  })
  const ctx = testContext(database, r)
  const outboxes = [
    mailOutbox(duplicateClient(r.redis), r.space, 0),
    mailOutbox(duplicateClient(r.redis), r.space, 0),
  ]
  return {
    ctx,
    outboxes,
    resend: new Resend('re_test_key', { baseUrl: url }),
    async sentPerKey(): Promise<Map<string, number>> {
      const { items } = (await (await fetch(`${url}/emails`)).json()) as {
        items: { text: string }[]
      }
      return new Map(
        Map.groupBy(items, (mail) => mail.text.split(' ')[1] ?? '')
          .entries()
          .map(([orderId, mails]) => [orderId, mails.length]),
      )
    },
    async [Symbol.asyncDispose]() {
      for (const outbox of outboxes) outbox.close()
      await sandbox[Symbol.asyncDispose]()
      await r[Symbol.asyncDispose]()
      await database[Symbol.asyncDispose]()
    },
  }
}

const paid = (orderId: string): EmailRequested => ({
  type: 'email.requested',
  kind: 'order_paid',
  key: `order_paid:${orderId}`,
  orderId,
  to: `${orderId}@flash.test`,
})

describe('e-mails in batches', () => {
  it('sends each key once across batches of 100, and nothing when asked again', async () => {
    await using w = await world()
    const events = Array.from({ length: 250 }, () => paid(Bun.randomUUIDv7()))
    const [outbox] = w.outboxes as [ReturnType<typeof mailOutbox>]

    await sendEmails(w.ctx, w.resend, FROM, outbox, [...events, ...events.slice(0, 10)])
    await sendEmails(w.ctx, w.resend, FROM, outbox, events)

    const sent = await w.sentPerKey()
    expect({ keys: sent.size, allOnce: [...sent.values()].every((n) => n === 1) }).toEqual({
      keys: 250,
      allOnce: true,
    })
  })

  it('sends a batch that went out but was never recorded again unchanged, whatever comes with it', async () => {
    await using w = await world()
    const [outbox] = w.outboxes as [ReturnType<typeof mailOutbox>]
    const first = Array.from({ length: 5 }, () => paid(Bun.randomUUIDv7()))
    const keys = first.map((event) => event.key)
    // What a consumer that died between sending and recording leaves: the batch claimed and sent.
    await outbox.watch(keys)
    const batch = {
      id: `email-batch/${Bun.randomUUIDv7()}`,
      keys,
      emails: first.map((event) => ({
        from: FROM,
        to: event.to as string,
        subject: 'Your order is paid',
        text: `Order ${event.orderId} is paid. It ships tomorrow.`,
      })),
    }
    expect(await outbox.claim([batch])).toBe(true)
    expect((await w.resend.batch.send(batch.emails, { idempotencyKey: batch.id })).error).toBeNull()

    // Redelivered in another company: two of the old ones and three new ones.
    const others = Array.from({ length: 3 }, () => paid(Bun.randomUUIDv7()))
    await sendEmails(w.ctx, w.resend, FROM, outbox, [
      first[3],
      ...others,
      first[0],
    ] as EmailRequested[])
    await sendEmails(w.ctx, w.resend, FROM, outbox, first)

    const sent = await w.sentPerKey()
    expect({ keys: sent.size, allOnce: [...sent.values()].every((n) => n === 1) }).toEqual({
      keys: 8,
      allOnce: true,
    })
  })

  it('sends each key once when two consumers get copies of the same requests at once', async () => {
    await using w = await world()
    const events = Array.from({ length: 150 }, () => paid(Bun.randomUUIDv7()))
    const [a, b] = w.outboxes as [ReturnType<typeof mailOutbox>, ReturnType<typeof mailOutbox>]

    await Promise.all([
      sendEmails(w.ctx, w.resend, FROM, a, events),
      sendEmails(w.ctx, w.resend, FROM, b, [...events].reverse()),
    ])

    const sent = await w.sentPerKey()
    expect({ keys: sent.size, allOnce: [...sent.values()].every((n) => n === 1) }).toEqual({
      keys: 150,
      allOnce: true,
    })
  })
})
