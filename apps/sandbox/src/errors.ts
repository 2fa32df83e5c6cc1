import type { ErrorCode } from '@flash/contracts'

/** Everything the sandbox can refuse, as data. */
export type SandboxError =
  | { type: 'IdempotencyKeyRequired' }
  | { type: 'IdempotencyKeyReused' }
  | { type: 'Outage' }
  | { type: 'PaymentNotFound'; id: string }
  | { type: 'NotRefundable'; id: string; status: 'declined' | 'processing' }
  | { type: 'ChargeRejected' }
  | { type: 'MissingApiKey' }
  | { type: 'EmptyEmail' }

/**
 * The API's error body. `not_refundable` is the sandbox's own: it stands in
 * for a third party, so its codes need not join our public contract.
 */
export type SandboxErrorBody = { error: { code: ErrorCode | 'not_refundable'; message: string } }

/**
 * The one switch that turns a sandbox error into a status and the
 * `{error: {code, message}}` body of shared/API.md.
 *
 * @example
 * toHttp({ type: 'Outage' }) // { status: 503, body: { error: { code: 'unavailable', ... } } }
 */
export function toHttp(error: SandboxError): { status: number; body: SandboxErrorBody } {
  switch (error.type) {
    case 'IdempotencyKeyRequired':
      return http(400, 'idempotency_key_required', 'send an Idempotency-Key header')
    case 'IdempotencyKeyReused':
      // 409 as Resend does; a caller bug either way, so it must not look like success.
      return http(409, 'idempotency_key_reused', 'this Idempotency-Key was used with another body')
    case 'Outage':
      return http(503, 'unavailable', 'the payment provider is down (sandbox outage switch)')
    case 'PaymentNotFound':
      return http(404, 'not_found', `no payment ${error.id}`)
    case 'NotRefundable':
      return http(
        409,
        'not_refundable',
        error.status === 'declined'
          ? `payment ${error.id} was declined; nothing to refund`
          : `payment ${error.id} is still processing; ask again once it is decided`,
      )
    case 'ChargeRejected':
      // A permanent refusal of the request (a real provider: invalid card, amount over a limit).
      return http(422, 'invalid_request', 'the provider refused this charge; nothing was charged')
    case 'MissingApiKey':
      return http(401, 'unauthorized', 'send Authorization: Bearer <api key>')
    case 'EmptyEmail':
      return http(400, 'invalid_request', 'body: send html or text')
  }
}

/** A refusal as the Response a handler returns. */
export function refuse(error: SandboxError): Response {
  const { status, body } = toHttp(error)
  return Response.json(body, { status })
}

function http(status: number, code: SandboxErrorBody['error']['code'], message: string) {
  return { status, body: { error: { code, message } } }
}
