import type { ErrorCode } from '@flash/contracts'

/**
 * Why a call failed: the API's own code (shared/API.md), or one of two the
 * client adds: `network_error` (no answer: refused, cut, or no answer in
 * time; `status` 0) and `unexpected_answer` (an answer that is not the API's
 * `{error: {code, message}}` body, such as a proxy's HTML page).
 */
export type ApiErrorCode = ErrorCode | 'network_error' | 'unexpected_answer'

export type ApiError = {
  /** The HTTP status; 0 when no answer came. */
  status: number
  code: ApiErrorCode
  message: string
  /** From `Retry-After` (429, 503): how long to wait before trying again. */
  retryAfterSeconds?: number
}

/**
 * Whether trying the same call again later can succeed: no answer, the
 * service busy or down, or the same order still in flight. A purchase may
 * always be placed again: its key makes the retry safe.
 *
 * @example
 * if (result.isErr() && isRetryable(result.error)) showRetryButton()
 */
export function isRetryable(error: ApiError): boolean {
  switch (error.code) {
    case 'network_error':
    case 'unavailable':
    case 'rate_limited':
    case 'request_timeout':
    case 'idempotency_key_in_use':
      return true
    default:
      return error.status >= 500
  }
}

/**
 * The `ApiError` of an answer that is not a success: the API's error body
 * when it is one, `unexpected_answer` otherwise.
 *
 * @example
 * errorFromAnswer(409, { error: { code: 'sold_out', message: 'sold out' } }, headers)
 * // { status: 409, code: 'sold_out', message: 'sold out' }
 */
export function errorFromAnswer(status: number, body: unknown, headers?: Headers): ApiError {
  const retryAfterSeconds = retryAfter(headers?.get('retry-after') ?? null)
  const extra = retryAfterSeconds === undefined ? {} : { retryAfterSeconds }
  if (isErrorBody(body))
    // A code this build does not know yet (a newer server) still passes through: clients switch
    // on known codes and fall back on the status.
    return { status, code: body.error.code as ErrorCode, message: body.error.message, ...extra }
  return {
    status,
    code: 'unexpected_answer',
    message: `the server answered ${status} without the API's error body`,
    ...extra,
  }
}

/**
 * A call that got no answer at all.
 *
 * @example
 * networkError(new DOMException('timed out', 'TimeoutError'), 15_000).message // 'no answer within 15 s'
 */
export function networkError(cause: unknown, timeoutMs: number): ApiError {
  const name = cause instanceof Error || cause instanceof DOMException ? cause.name : ''
  const message =
    name === 'TimeoutError'
      ? `no answer within ${timeoutMs / 1000} s`
      : `the server could not be reached: ${cause instanceof Error ? cause.message : String(cause)}`
  return { status: 0, code: 'network_error', message }
}

/** A success whose body is not what the route answers (say, a captive portal's page). */
export function unexpectedAnswer(status: number, what: string): ApiError {
  return { status, code: 'unexpected_answer', message: `the server answered ${status} ${what}` }
}

function isErrorBody(body: unknown): body is { error: { code: string; message: string } } {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false
  const error = body.error
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string' &&
    'message' in error &&
    typeof error.message === 'string'
  )
}

/** `Retry-After` is whole seconds or an HTTP date (RFC 9110, 10.2.3). */
function retryAfter(value: string | null): number | undefined {
  if (value === null) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim())
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000))
}
