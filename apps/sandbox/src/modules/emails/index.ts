import { Elysia } from 'elysia'
import { refuse } from '../../errors.ts'
import { EmailModel } from './model.ts'
import type { Outbox } from './service.ts'

/**
 * `/emails`: a Resend-compatible `POST /emails` and `POST /emails/batch`
 * (point the SDK here with `new Resend(key, { baseUrl })` or
 * `RESEND_BASE_URL`) and `GET /emails?to=` for tests to read what was sent.
 * The batch route checks its body itself, so that its refusals have
 * Resend's shape (`{statusCode, name, message}`).
 *
 * @example
 * new Elysia().use(emailsController(new Outbox()))
 */
export function emailsController(outbox: Outbox) {
  return new Elysia({ prefix: '/emails' })
    .post(
      '/',
      ({ body, headers }) =>
        outbox
          .send(body, bearerToken(headers.authorization), headers['idempotency-key'])
          .match((sent) => sent, refuse),
      {
        body: EmailModel.sendBody,
        headers: EmailModel.sendHeaders,
        detail: { summary: 'Send an e-mail, as Resend does; answers {id}' },
      },
    )
    .post(
      '/batch',
      ({ body, headers }) =>
        outbox
          .sendBatch(
            body,
            headers['x-batch-validation'] === 'permissive' ? 'permissive' : 'strict',
            bearerToken(headers.authorization),
            headers['idempotency-key'],
          )
          .match(
            (answer) => answer,
            // Resend's own error body, which its SDK hands back as `error`.
            (error) => Response.json(error, { status: error.statusCode }),
          ),
      {
        detail: {
          summary:
            'Send up to 100 e-mails, as Resend does; answers {data: [{id}]} (and errors in permissive mode)',
        },
      },
    )
    .get('/', ({ query }) => ({ items: outbox.list(query.to) }), {
      query: EmailModel.listQuery,
      detail: { summary: 'E-mails received, newest first; only those for `to` when given' },
    })
}

/** Any non-empty bearer token is accepted: the point is to catch a client that sends none. */
function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1]
}
