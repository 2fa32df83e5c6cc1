import type { ErrorCode } from '@flash/contracts'
import { errorReply } from '@flash/contracts'

/** Everything auth can refuse, as data. */
export type AuthError =
  | { type: 'InvalidCredentials' }
  | { type: 'EmailTaken' }
  /** Another signup for the address waits for its code; it ends in `minutesLeft` at most. */
  | { type: 'SignupPending'; minutesLeft: number }
  | { type: 'InvalidCode' }
  | { type: 'InvalidToken' }
  | { type: 'UnknownUser' }
  | { type: 'RateLimited'; retryAfterSeconds: number }
  /** Stored personal data that does not decrypt: a server-side fault, logged. */
  | { type: 'Corrupt'; reason: string }
  | { type: 'Unavailable'; cause: unknown }

/**
 * The codes of shared/API.md's auth table that @flash/contracts does not list
 * yet; they belong in its ErrorCode union, which this app may not edit.
 */
export type AuthErrorCode = ErrorCode
export type AuthErrorBody = { error: { code: AuthErrorCode; message: string } }

/**
 * The one switch that turns an auth error into the status, body and headers of shared/API.md.
 *
 * @example
 * toHttp({ type: 'InvalidCredentials' }) // { status: 401, body: { error: { code: 'invalid_credentials', ... } } }
 */
export function toHttp(error: AuthError): {
  status: number
  body: AuthErrorBody
  headers?: Record<string, string>
} {
  switch (error.type) {
    case 'InvalidCredentials':
      // One message for an unknown e-mail and a wrong password: which one it was is not told.
      return errorReply(401, 'invalid_credentials', 'the e-mail or password is wrong')
    case 'EmailTaken':
      return errorReply(409, 'email_taken', 'an account with this e-mail already exists; sign in')
    case 'SignupPending':
      // Told, not hidden: the address's owner, coming second, must know to wait, and not to
      // type the code that signup's e-mail carries.
      return errorReply(
        409,
        'signup_pending',
        `a signup for this address is waiting for its code; it expires in ${error.minutesLeft} minute${error.minutesLeft === 1 ? '' : 's'}. If you did not start it, do not use the code it e-mailed; sign up again once it has expired`,
      )
    case 'InvalidCode':
      // Wrong, expired and used up look alike: the answer gives a guesser nothing to go on.
      return errorReply(
        400,
        'invalid_code',
        'the code is wrong, has expired or was tried too often; sign up again for a new one',
      )
    case 'InvalidToken':
      return errorReply(401, 'invalid_token', 'the refresh token is not valid; sign in again')
    case 'UnknownUser':
      return errorReply(401, 'unauthorized', 'this account no longer exists')
    case 'RateLimited':
      return {
        ...errorReply(
          429,
          'rate_limited',
          `too many attempts; retry in ${error.retryAfterSeconds} s`,
        ),
        headers: { 'retry-after': String(error.retryAfterSeconds) },
      }
    case 'Corrupt':
      return errorReply(500, 'internal', 'something went wrong on our side; it has been logged')
    case 'Unavailable':
      return errorReply(503, 'unavailable', 'sign-in is unavailable right now; try again shortly')
  }
}

/**
 * The refusal as a response, logging what is the server's fault. Nothing auth
 * answers may sit in a shared cache: tokens and personal data (RFC 6749, 5.1).
 *
 * @example
 * result.match((value) => value, refuseWith(log))
 */
export function refuseWith(log: (line: string) => void) {
  return (error: AuthError): Response => {
    if (error.type === 'Unavailable') log(`[auth] dependency failed: ${String(error.cause)}`)
    if (error.type === 'Corrupt') log(`[auth] ${error.reason}`)
    const { status, body, headers } = toHttp(error)
    return Response.json(body, { status, headers: { 'cache-control': 'no-store', ...headers } })
  }
}

/**
 * Wraps a driver's rejection as the Unavailable error (for `ResultAsync.fromPromise`).
 *
 * @example
 * ResultAsync.fromPromise(db.select()..., unavailable)
 */
export function unavailable(cause: unknown): AuthError {
  return { type: 'Unavailable', cause }
}
