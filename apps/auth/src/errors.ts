import { type ApiErrorBody, type ErrorCode, errorBody } from '@flash/contracts'

/** Everything auth can refuse, as data. */
export type AuthError = { type: 'InvalidCredentials' } | { type: 'Unavailable'; cause: unknown }

/**
 * The one switch that turns an auth error into the status and body of shared/API.md.
 *
 * @example
 * toHttp({ type: 'InvalidCredentials' }) // { status: 401, body: { error: { code: 'invalid_credentials', ... } } }
 */
export function toHttp(error: AuthError): { status: number; body: ApiErrorBody } {
  switch (error.type) {
    case 'InvalidCredentials':
      // One message for an unknown e-mail and a wrong password: which one it was is not told.
      return http(401, 'invalid_credentials', 'the e-mail or password is wrong')
    case 'Unavailable':
      return http(503, 'unavailable', 'sign-in is unavailable right now; try again shortly')
  }
}

function http(status: number, code: ErrorCode, message: string) {
  return { status, body: errorBody(code, message) }
}
