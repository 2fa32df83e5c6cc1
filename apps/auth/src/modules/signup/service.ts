import { err, ok, type ResultAsync, safeTry } from 'neverthrow'
import type { AuthDeps } from '../../deps.ts'
import type { AuthError } from '../../errors.ts'
import { normalizeEmail } from '../../shared/email.ts'
import { authRateKey } from '../../shared/keys.ts'
import { hashPassword, verifyPassword } from '../../shared/password.ts'
import { hitRateLimit } from '../../shared/rate-limit.ts'
import { limitAttempt } from '../../shared/rate-rules.ts'
import { createAccount, emailTaken } from '../accounts/service.ts'
import { codeDigest, codeMatches, newCode, newSalt } from './code.ts'
import type { SignupBody, VerifyBody } from './model.ts'
import { countTry, removePendingSignup, resendCode, startPendingSignup } from './pending.ts'

/**
 * Starts a signup: refuses a taken e-mail, hashes the password at once (the
 * plaintext is not kept, not even encrypted) and e-mails a fresh 6-digit
 * code. While a signup waits for its code, the address is its own: the same
 * password again (the same person, whose e-mail did not arrive) gets a new
 * code for it, at most `verification.maxSends` e-mails in all; another
 * password changes nothing, sends nothing and is told to wait, so nobody can
 * slip their password under the code the address's owner receives. Those
 * second signups are `verification.maxTries` at most per waiting signup
 * (then 429), so its password cannot be found by trying.
 *
 * @example
 * await signUp(deps, { email: 'Jane@Shop.Example', password: 'long enough', name: 'Jane' }, '203.0.113.7')
 * // ok() — the worker e-mails the code to jane@shop.example
 * // err({ type: 'SignupPending', minutesLeft: 7 }) — someone else's signup holds the address
 */
export function signUp(
  deps: AuthDeps,
  body: SignupBody,
  clientIp: string,
): ResultAsync<void, AuthError> {
  return safeTry(async function* () {
    yield* limitAttempt(deps, 'signup', clientIp)
    const email = normalizeEmail(body.email)
    if (yield* emailTaken(deps.db, email)) return err({ type: 'EmailTaken' as const })

    const code = newCode()
    const pending = {
      email,
      passwordHash: await hashPassword(body.password),
      name: body.name,
      phone: body.phone ?? null,
      address: body.address ?? null,
      ...codeFields(code),
    }
    const waiting = yield* startPendingSignup(deps, pending, code)
    if (!waiting) return ok(undefined)
    // Same password or not is an answer, so every second signup counts, whatever its password:
    // a waiting signup's password cannot be guessed more than `maxTries` times in its life.
    yield* hitRateLimit(deps.redis, authRateKey(deps.space, 'second-signup', email), {
      limit: deps.verification.maxTries,
      windowSeconds: Math.max(waiting.secondsLeft, 1),
    })
    if (!(await verifyPassword(body.password, waiting.pending.passwordHash)))
      return err({ type: 'SignupPending' as const, minutesLeft: minutesOf(waiting.secondsLeft) })

    const resent = yield* resendCode(
      deps,
      waiting,
      { ...waiting.pending, ...codeFields(code) },
      code,
    )
    if (resent.type === 'limited')
      return err({
        type: 'RateLimited' as const,
        retryAfterSeconds: Math.max(resent.secondsLeft, 1),
      })
    // 'changed': a retry at the same moment just sent a code, or the signup ended meanwhile.
    return ok(undefined)
  })
}

/** What the record keeps of a code: a fresh salt and the salted digest. */
function codeFields(code: string): { salt: string; codeDigest: string } {
  const salt = newSalt()
  return { salt, codeDigest: codeDigest(salt, code) }
}

/** Minutes left, rounded up: half a minute left is "1 minute", never "0". */
function minutesOf(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / 60))
}

/**
 * Checks a code and creates the account it was sent for. A wrong code uses
 * up one of `verification.maxTries`; after the last one, the signup is gone
 * and even the right code is refused. A right code works once.
 *
 * @example
 * await verifySignup(deps, { email: 'jane@shop.example', code: '048213' }, '203.0.113.7')
 * // ok({ userId }) or err({ type: 'InvalidCode' })
 */
export function verifySignup(
  deps: AuthDeps,
  body: VerifyBody,
  clientIp: string,
): ResultAsync<{ userId: string }, AuthError> {
  return safeTry(async function* () {
    yield* limitAttempt(deps, 'verify', clientIp)
    const email = normalizeEmail(body.email)
    const attempt = yield* countTry(deps, email)
    if (!attempt) return err({ type: 'InvalidCode' as const })

    const { tries, pending } = attempt
    const right =
      tries <= deps.verification.maxTries &&
      codeMatches(pending.salt, body.code, pending.codeDigest)
    // Whoever removes the signup owns it: a used-up code is dropped, a right one is taken, once.
    if (!right && tries < deps.verification.maxTries) return err({ type: 'InvalidCode' as const })
    const taken = yield* removePendingSignup(deps, email)
    if (!right || !taken) return err({ type: 'InvalidCode' as const })

    const account = yield* createAccount(deps, {
      email,
      passwordHash: pending.passwordHash,
      role: 'buyer',
      name: pending.name,
      phone: pending.phone,
      address: pending.address,
    })
    return ok(account)
  })
}
