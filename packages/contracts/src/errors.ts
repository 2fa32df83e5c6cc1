/** Every stable error code of the public contract (shared/API.md). Clients switch on these. */
export type ErrorCode =
  | 'invalid_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'payload_too_large'
  | 'request_timeout'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable'
  | 'internal'
  | 'invalid_credentials'
  | 'email_taken'
  | 'signup_pending'
  | 'invalid_code'
  | 'invalid_token'
  | 'sold_out'
  | 'limit_reached'
  | 'sale_not_started'
  | 'sale_ended'
  | 'idempotency_key_required'
  | 'idempotency_key_reused'
  | 'idempotency_key_in_use'
  | 'not_cancellable'
  | 'not_returnable'

export type ApiErrorBody = { error: { code: ErrorCode; message: string } }

/**
 * The one error body every app answers with.
 *
 * @example
 * errorBody('sold_out', 'this sale is sold out')
 * // { error: { code: 'sold_out', message: 'this sale is sold out' } }
 */
export function errorBody(code: ErrorCode, message: string): ApiErrorBody {
  return { error: { code, message } }
}

/**
 * A status with its error body: what each app's one `errors.ts` switch returns.
 *
 * @example
 * errorReply(409, 'sold_out', 'this sale is sold out') // { status: 409, body: { error: {...} } }
 */
export function errorReply(
  status: number,
  code: ErrorCode,
  message: string,
): { status: number; body: ApiErrorBody } {
  return { status, body: errorBody(code, message) }
}
