import { toFields } from '@flash/contracts'
import { streamKey } from '@flash/redis'
import { err, ok, type Result, ResultAsync } from 'neverthrow'
import type { AuthDeps } from '../../deps.ts'
import { type AuthError, unavailable } from '../../errors.ts'
import { pendingSignupKey, subjectDigest } from '../../shared/keys.ts'
import { decryptPii, describePiiError, encryptPii } from '../../shared/pii/cipher.ts'

/** A signup waiting for its code: everything the account will be made of. */
export type PendingSignup = {
  email: string
  passwordHash: string
  name: string
  phone: string | null
  address: string | null
  /** The code's salt and salted digest (see code.ts), never the code. */
  salt: string
  codeDigest: string
}

type Deps = Pick<AuthDeps, 'redis' | 'space' | 'pii' | 'verification'>

/**
 * Stores a signup under its e-mail for `verification.ttlSeconds`, replacing
 * any earlier one (its code and tries with it), and queues the e-mail with
 * the code for the worker, in one MULTI: the code is kept if and only if its
 * e-mail is on its way. The record is encrypted like the users' columns: it
 * holds a name, maybe a phone and an address.
 *
 * @example
 * await storePendingSignup(deps, pending, '048213') // ok()
 */
export function storePendingSignup(
  deps: Deps,
  pending: PendingSignup,
  code: string,
): ResultAsync<void, AuthError> {
  const key = pendingSignupKey(deps.space, pending.email)
  const record = encryptPii(deps.pii, JSON.stringify(pending), contextOf(pending.email))
  const email = toFields({
    type: 'email.requested',
    kind: 'verification_code',
    key: `verification_code:${Bun.randomUUIDv7()}`,
    to: pending.email,
    data: JSON.stringify({ code }),
  })
  const stored = deps.redis
    .multi()
    .del(key)
    .hset(key, { record, tries: 0 })
    .expire(key, deps.verification.ttlSeconds)
    .xadd(streamKey(deps.space, 0, 'emails'), '*', ...email)
    .exec()
  return ResultAsync.fromPromise(stored, unavailable).andThen((replies) => {
    const failed = replies?.find(([error]) => error)
    return failed ? err(unavailable(failed[0])) : ok(undefined)
  })
}

/**
 * Counts one try at an e-mail's code and reads the signup: the try is
 * counted before the code is compared, so concurrent guesses cannot share
 * one try. `null` when there is no signup (never made, expired, used up).
 *
 * @example
 * await countTry(deps, 'jane@shop.example') // ok({ tries: 1, pending }) or ok(null)
 */
export function countTry(
  deps: Deps,
  email: string,
): ResultAsync<{ tries: number; pending: PendingSignup } | null, AuthError> {
  const key = pendingSignupKey(deps.space, email)
  // HINCRBY on a key that expired a moment ago creates it; EXPIRE NX gives that
  // stub an expiry, and never extends a real record's.
  const read = deps.redis
    .multi()
    .hincrby(key, 'tries', 1)
    .expire(key, deps.verification.ttlSeconds, 'NX')
    .hget(key, 'record')
    .exec()
  return ResultAsync.fromPromise(read, unavailable).andThen((replies) => {
    const failed = replies?.find(([error]) => error)
    if (!replies || failed) return err(unavailable(failed?.[0]))
    const tries = Number(replies[0]?.[1])
    const record = replies[2]?.[1]
    if (typeof record !== 'string') return ok(null)
    return openRecord(deps, email, record).map((pending) => ({ tries, pending }))
  })
}

/**
 * Removes an e-mail's signup; `true` only for the one caller that removed it,
 * so a code verified twice at once makes one account. Ownership is taken on
 * the record field, not the key: a try counted just after a removal makes a
 * stub key (tries only), and deleting that stub must not count as taking the
 * signup a second time.
 *
 * @example
 * if ((await removePendingSignup(deps, email)).unwrapOr(false)) // this caller creates the account
 */
export function removePendingSignup(deps: Deps, email: string): ResultAsync<boolean, AuthError> {
  // What is left (the tries count) expires with the key, whose TTL the signup set.
  return ResultAsync.fromPromise(
    deps.redis.hdel(pendingSignupKey(deps.space, email), 'record'),
    unavailable,
  ).map((removed) => removed === 1)
}

function openRecord(deps: Deps, email: string, record: string): Result<PendingSignup, AuthError> {
  const plain = decryptPii(deps.pii, record, contextOf(email))
  if (plain.isErr())
    return err({ type: 'Corrupt', reason: describePiiError(plain.error, 'a pending signup') })
  return ok(JSON.parse(plain.value) as PendingSignup)
}

function contextOf(email: string): string {
  return `signup:${subjectDigest(email)}`
}
