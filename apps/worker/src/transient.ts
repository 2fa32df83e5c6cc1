import { BreakerOpenError, CallTimeoutError } from '@flash/breaker'
import { RecoveringError } from '@flash/redis'

const CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ConnectionRefused',
  'PROTOCOL_CONNECTION_LOST',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_CON_COUNT_ERROR',
])

/**
 * A dependency answered that it cannot take the request now (down, busy, rate
 * limited) and the outcome is unknown: retried without counting as poison.
 *
 * @example
 * throw new TransientError('Resend answered 503')
 */
export class TransientError extends Error {}

/**
 * A failure that is a dependency's fault (a database, Redis or a provider
 * down or busy, or a Redis partition being rebuilt from MySQL), not the event's: the stream runtime retries it without
 * counting it towards dead-lettering, so an outage never turns good events
 * into dead letters.
 *
 * @example
 * startConsumer({ ..., isTransient: isTransientError })
 */
export function isTransientError(error: unknown): boolean {
  if (
    error instanceof BreakerOpenError ||
    error instanceof CallTimeoutError ||
    error instanceof TransientError ||
    error instanceof RecoveringError
  )
    return true
  if (!(error instanceof Error)) return false
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && CODES.has(code)) return true
  if (/Connection is closed|fetch failed|Unable to connect|socket hang up/i.test(error.message))
    return true
  return error.cause !== undefined && isTransientError(error.cause)
}
