import { err, ok, type Result } from 'neverthrow'
import type { SandboxError } from '../../errors.ts'
import {
  type BatchAnswer,
  type BatchMode,
  checkBatch,
  type ResendError,
  resendError,
} from './batch.ts'
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
  /** Batch keys are their own namespace, as in Resend: the answer is kept whole. */
  #batches = new Map<string, { fingerprint: string; answer: BatchAnswer }>()

  send(
    body: SendBody,
    apiKey: string | undefined,
    idempotencyKey?: string,
  ): Result<{ id: string }, SandboxError> {
    if (!apiKey) return err({ type: 'MissingApiKey' })
    if (body.html === undefined && body.text === undefined) return err({ type: 'EmptyEmail' })
    const content = contentOf(body)
    const fingerprint = JSON.stringify(content)
    const held = idempotencyKey === undefined ? undefined : this.#byKey.get(idempotencyKey)
    if (held)
      return held.fingerprint === fingerprint
        ? ok({ id: held.id })
        : err({ type: 'IdempotencyKeyReused' })
    const id = this.#store(content)
    if (idempotencyKey !== undefined) this.#byKey.set(idempotencyKey, { fingerprint, id })
    return ok({ id })
  }

  /**
   * `POST /emails/batch` as Resend answers it: up to 100 e-mails in one
   * request, checked first (strict: all or nothing; permissive: the valid
   * ones go out and the others are listed by index). One Idempotency-Key
   * covers the whole batch: the same key with the same batch answers the
   * first answer again and stores nothing; with another batch, 409.
   *
   * @example
   * outbox.sendBatch([{ from, to: 'a@x.test', subject: 'Paid', text: 'Thanks' }], 'strict', 're_1', 'batch-1')
   * // ok({ data: [{ id }] })
   */
  sendBatch(
    body: unknown,
    mode: BatchMode,
    apiKey: string | undefined,
    idempotencyKey?: string,
  ): Result<BatchAnswer, ResendError> {
    if (!apiKey) return err(resendError('missing_api_key'))
    if (idempotencyKey !== undefined && (idempotencyKey.length < 1 || idempotencyKey.length > 256))
      return err(resendError('invalid_idempotency_key'))
    const fingerprint = JSON.stringify([mode, body])
    const held = idempotencyKey === undefined ? undefined : this.#batches.get(idempotencyKey)
    if (held)
      return held.fingerprint === fingerprint
        ? ok(held.answer)
        : err(resendError('invalid_idempotent_request'))
    return checkBatch(body, mode).map(({ valid, errors }) => {
      const data = valid.map(({ email }) => ({ id: this.#store(contentOf(email)) }))
      const answer: BatchAnswer = mode === 'permissive' ? { data, errors } : { data }
      if (idempotencyKey !== undefined) this.#batches.set(idempotencyKey, { fingerprint, answer })
      return answer
    })
  }

  #store(content: Omit<Email, 'id' | 'createdAt'>): string {
    const email = { id: crypto.randomUUID(), ...content, createdAt: new Date().toISOString() }
    this.#emails.push(email)
    return email.id
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
    this.#batches.clear()
    return dropped
  }
}

function contentOf(body: SendBody): Omit<Email, 'id' | 'createdAt'> {
  const to = typeof body.to === 'string' ? [body.to] : body.to
  return {
    from: body.from,
    to,
    subject: body.subject,
    text: body.text ?? null,
    html: body.html ?? null,
  }
}

/** The bare, lower-cased address of `Name <a@b.c>` or `a@b.c`. */
function mailbox(address: string): string {
  return (/<([^>]+)>/.exec(address)?.[1] ?? address).trim().toLowerCase()
}
