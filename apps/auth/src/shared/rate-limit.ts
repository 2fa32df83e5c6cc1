import type { RedisClient } from '@flash/redis'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'

/** At most `limit` attempts per `windowSeconds`, counted in a fixed window. */
export type RateRule = { limit: number; windowSeconds: number }

/** null turns every rule off (`RATE_LIMITS=off`). */
export type AuthRateLimits = {
  /** Logins per e-mail and address. */
  login: RateRule
  /** Failed logins per e-mail, from every address together: guessing spread over many. */
  loginAccount: RateRule
  /** Signups per address. */
  signup: RateRule
  /** Code verifications per address. */
  verify: RateRule
}

export type RateLimited = { type: 'RateLimited'; retryAfterSeconds: number }

/**
 * Counts one attempt against `key` and refuses once the window holds more
 * than `rule.limit`. A MULTI, not a script: INCR, then EXPIRE NX (so the
 * first attempt starts the window, and a key that somehow lost its expiry
 * gets one back), then TTL for Retry-After.
 *
 * @example
 * await hitRateLimit(redis, key, { limit: 10, windowSeconds: 900 }) // ok() or err({ type: 'RateLimited', retryAfterSeconds: 812 })
 */
export function hitRateLimit(
  redis: RedisClient,
  key: string,
  rule: RateRule,
): ResultAsync<void, RateLimited | { type: 'Unavailable'; cause: unknown }> {
  const counted = redis.multi().incr(key).expire(key, rule.windowSeconds, 'NX').ttl(key).exec()
  return ResultAsync.fromPromise(counted, (cause) => ({ type: 'Unavailable' as const, cause }))
    .andThen((replies) => {
      const [incr, , ttl] = replies ?? []
      if (!incr || incr[0] || !ttl || ttl[0])
        return errAsync({ type: 'Unavailable' as const, cause: incr?.[0] ?? ttl?.[0] })
      return okAsync({ attempts: Number(incr[1]), ttl: Number(ttl[1]) })
    })
    .andThen(({ attempts, ttl }) =>
      attempts > rule.limit
        ? errAsync({ type: 'RateLimited' as const, retryAfterSeconds: Math.max(ttl, 1) })
        : okAsync(undefined),
    )
}

/**
 * Takes back one attempt `hitRateLimit` counted, for rules that count only
 * failures: the attempt is counted before it is tried, so that attempts
 * made at once cannot all slip under the limit, and given back when it
 * succeeds. Should the window have ended in between, the count it leaves
 * (-1) still expires with a window of its own.
 *
 * @example
 * await giveBackAttempt(redis, key, { limit: 50, windowSeconds: 900 })
 */
export function giveBackAttempt(
  redis: RedisClient,
  key: string,
  rule: RateRule,
): ResultAsync<void, { type: 'Unavailable'; cause: unknown }> {
  const given = redis.multi().decr(key).expire(key, rule.windowSeconds, 'NX').exec()
  return ResultAsync.fromPromise(given, (cause) => ({ type: 'Unavailable' as const, cause })).map(
    () => undefined,
  )
}
