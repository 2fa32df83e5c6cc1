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

/** A signup holding its address, as it was read: the stored record, opened, and its seconds left. */
export type WaitingSignup = { record: string; pending: PendingSignup; secondsLeft: number }

/** What asking for another code came to. */
export type Resent =
  | { type: 'sent' }
  | { type: 'changed' }
  | { type: 'limited'; secondsLeft: number }

/**
 * Stores a signup under its e-mail for `verification.ttlSeconds` and queues
 * the e-mail with the code for the worker, unless a signup already holds the
 * address: then nothing changes and that one is answered. One script, so two
 * first signups at once leave exactly one. The record is encrypted like the
 * users' columns: it holds a name, maybe a phone and an address.
 *
 * @example
 * await startPendingSignup(deps, pending, '048213') // ok(null): started; ok(waiting): another holds the address
 */
export function startPendingSignup(
  deps: Deps,
  pending: PendingSignup,
  code: string,
): ResultAsync<WaitingSignup | null, AuthError> {
  const started = deps.redis.startSignup(
    pendingSignupKey(deps.space, pending.email),
    streamKey(deps.space, 0, 'emails'),
    sealRecord(deps, pending),
    deps.verification.ttlSeconds,
    ...verificationEmail(pending.email, code),
  )
  return ResultAsync.fromPromise(started, unavailable).andThen((reply) => {
    if (reply[0] === 'started') return ok(null)
    const [, record, secondsLeft] = reply
    return openRecord(deps, pending.email, record).map((held) => ({
      record,
      pending: held,
      secondsLeft,
    }))
  })
}

/**
 * Gives a waiting signup a new code (`pending` is its record with that code)
 * and queues its e-mail, at most `verification.maxSends` e-mails per signup.
 * Changes the record only if it is still the one `waiting` read; its expiry
 * and tries stay as they are.
 *
 * @example
 * await resendCode(deps, waiting, { ...waiting.pending, salt, codeDigest }, '731904') // ok({ type: 'sent' })
 */
export function resendCode(
  deps: Deps,
  waiting: WaitingSignup,
  pending: PendingSignup,
  code: string,
): ResultAsync<Resent, AuthError> {
  const resent = deps.redis.resendCode(
    pendingSignupKey(deps.space, pending.email),
    streamKey(deps.space, 0, 'emails'),
    waiting.record,
    sealRecord(deps, pending),
    deps.verification.maxSends,
    ...verificationEmail(pending.email, code),
  )
  return ResultAsync.fromPromise(resent, unavailable).map(
    (reply): Resent =>
      reply[0] === 'limited' ? { type: 'limited', secondsLeft: reply[1] } : { type: reply[0] },
  )
}

/** The `email.requested` event that carries a code to the worker, as stream fields. */
function verificationEmail(to: string, code: string): string[] {
  return toFields({
    type: 'email.requested',
    kind: 'verification_code',
    key: `verification_code:${Bun.randomUUIDv7()}`,
    to,
    data: JSON.stringify({ code }),
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

function sealRecord(deps: Deps, pending: PendingSignup): string {
  return encryptPii(deps.pii, JSON.stringify(pending), contextOf(pending.email))
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
