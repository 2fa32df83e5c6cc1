import { err, ok, type Result } from 'neverthrow'
import type { SandboxError } from '../../errors.ts'
import type { Email, SendBody } from './model.ts'

/**
 * The Resend stand-in's mailbox: stores what the SDK sends, once per
 * Idempotency-Key, and lists it per recipient, newest first.
 *
 * @example
 * const outbox = new Outbox()
 * outbox.send({ from: 'shop@x.test', to: 'a@x.test', subject: 'Paid', text: 'Thanks' }, 're_1')
 * outbox.list('a@x.test') // [{ id, to: ['a@x.test'], subject: 'Paid', ... }]
 */
export class Outbox {
  #emails: Email[] = []
  #byKey = new Map<string, { fingerprint: string; id: string }>()

  send(
    body: SendBody,
    apiKey: string | undefined,
    idempotencyKey?: string,
  ): Result<{ id: string }, SandboxError> {
    if (!apiKey) return err({ type: 'MissingApiKey' })
    if (body.html === undefined && body.text === undefined) return err({ type: 'EmptyEmail' })
    const { from, subject } = body
    const to = typeof body.to === 'string' ? [body.to] : body.to
    const content = { from, to, subject, text: body.text ?? null, html: body.html ?? null }
    const fingerprint = JSON.stringify(content)
    const held = idempotencyKey === undefined ? undefined : this.#byKey.get(idempotencyKey)
    if (held)
      return held.fingerprint === fingerprint
        ? ok({ id: held.id })
        : err({ type: 'IdempotencyKeyReused' })
    const email = { id: crypto.randomUUID(), ...content, createdAt: new Date().toISOString() }
    this.#emails.push(email)
    if (idempotencyKey !== undefined) this.#byKey.set(idempotencyKey, { fingerprint, id: email.id })
    return ok({ id: email.id })
  }

  /** Newest first; only those addressed to `to` (case-insensitive, `Name <a@b>` too) when given. */
  list(to?: string): Email[] {
    const wanted = to === undefined ? undefined : mailbox(to)
    return this.#emails
      .filter((email) => wanted === undefined || email.to.some((each) => mailbox(each) === wanted))
      .reverse()
  }

  reset(): number {
    const dropped = this.#emails.length
    this.#emails = []
    this.#byKey.clear()
    return dropped
  }
}

/** The bare, lower-cased address of `Name <a@b.c>` or `a@b.c`. */
function mailbox(address: string): string {
  return (/<([^>]+)>/.exec(address)?.[1] ?? address).trim().toLowerCase()
}
