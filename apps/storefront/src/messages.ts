import type { ApiError } from '@flash/client'

/**
 * What to tell a reader about a failed call, in words: the service's own
 * message where it is meant for people (which field is wrong), a plain
 * sentence where the code says enough.
 *
 * @example
 * explain({ status: 0, code: 'network_error', message: '...' }) // 'The shop could not be reached. ...'
 */
export function explain(error: ApiError): string {
  switch (error.code) {
    case 'network_error':
      return 'The shop could not be reached. Check your connection and try again.'
    case 'unavailable':
    case 'rate_limited':
      return `The shop is busy right now; try again${wait(error)}.`
    case 'unauthorized':
      return 'Your session has ended; log in again.'
    case 'forbidden':
      return 'Only an admin can do that.'
    case 'invalid_credentials':
      return 'That e-mail and password do not match an account.'
    case 'invalid_code':
      return 'That code is wrong or has expired; check the latest e-mail, or sign up again for a new one.'
    case 'email_taken':
      return 'An account with that e-mail already exists; log in instead.'
    case 'unexpected_answer':
      return 'The shop answered something unexpected; try again shortly.'
    default:
      return sentence(error.message)
  }
}

function wait(error: ApiError): string {
  return error.retryAfterSeconds ? ` in ${error.retryAfterSeconds} s` : ''
}

function sentence(text: string): string {
  const trimmed = text.trim()
  if (!trimmed) return 'Something went wrong; try again.'
  const first = trimmed.charAt(0).toUpperCase() + trimmed.slice(1)
  return /[.!?]$/.test(first) ? first : `${first}.`
}
