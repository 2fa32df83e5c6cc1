import { t } from 'elysia'

const address = t.String({ minLength: 1, maxLength: 320 })

export const EmailModel = {
  /**
   * What resend@6 sends to `POST /emails` (its `parseEmailToApiOptions`).
   * Fields the sandbox does not model (cc, bcc, reply_to, headers, tags,
   * attachments, scheduled_at, template, topic_id) are accepted and ignored,
   * so any SDK call that works against Resend works here.
   */
  sendBody: t.Object(
    {
      from: address,
      to: t.Union([address, t.Array(address, { minItems: 1, maxItems: 50 })]),
      subject: t.String({ minLength: 1, maxLength: 998 }),
      html: t.Optional(t.String()),
      text: t.Optional(t.String()),
    },
    { additionalProperties: true },
  ),
  sendHeaders: t.Object({
    authorization: t.Optional(t.String()),
    // Resend allows keys up to 256 characters.
    'idempotency-key': t.Optional(t.String({ minLength: 1, maxLength: 256 })),
  }),
  listQuery: t.Object({ to: t.Optional(address) }),
}

export type SendBody = typeof EmailModel.sendBody.static

/** One received e-mail, as `GET /emails` answers it. */
export type Email = {
  id: string
  from: string
  /** Always a list, as Resend's own `GET /emails/:id` answers it. */
  to: string[]
  subject: string
  text: string | null
  html: string | null
  createdAt: string
}
