import { type Role, users } from '@flash/db'
import type { Db } from '@flash/db/client'
import { eq } from 'drizzle-orm'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import { type AuthError, unavailable } from '../../errors.ts'
import { normalizeEmail } from '../../shared/email.ts'
import type { Keyring } from '../../shared/pii/keyring.ts'
import { openPersonalData, type PersonalData, sealPersonalData } from './personal-data.ts'

export type NewAccount = PersonalData & {
  email: string
  /** argon2id, from `hashPassword`: the plaintext never reaches this far. */
  passwordHash: string
  role: Role
}

/**
 * The one way an account comes to exist (verified signups and the seeded
 * admin and demo buyers alike): the e-mail lower-cased, the personal data
 * encrypted under the current key, bound to the new row's id.
 *
 * @example
 * await createAccount({ db, pii }, { email, passwordHash, role: 'buyer', name: 'Jane', phone: null, address: null })
 * // ok({ userId: '0190...' }) or err({ type: 'EmailTaken' })
 */
export function createAccount(
  deps: { db: Db; pii: Keyring },
  account: NewAccount,
): ResultAsync<{ userId: string }, AuthError> {
  const userId = Bun.randomUUIDv7()
  const now = new Date()
  const insert = deps.db.insert(users).values({
    id: userId,
    email: normalizeEmail(account.email),
    passwordHash: account.passwordHash,
    role: account.role,
    ...sealPersonalData(deps.pii, userId, account),
    createdAt: now,
    updatedAt: now,
  })
  return ResultAsync.fromPromise(
    insert,
    (cause): AuthError => (isDuplicateKey(cause) ? { type: 'EmailTaken' } : unavailable(cause)),
  ).map(() => ({ userId }))
}

/**
 * Whether an account uses this e-mail (compared lower-cased).
 *
 * @example
 * await emailTaken(db, 'Buyer1@flash.local') // ok(true)
 */
export function emailTaken(db: Db, email: string): ResultAsync<boolean, AuthError> {
  const query = db
    .select({ id: users.id })
    .from(users)
    .where(eq(users.email, normalizeEmail(email)))
    .limit(1)
  return ResultAsync.fromPromise(query, unavailable).map((rows) => rows.length > 0)
}

export type Profile = PersonalData & { id: string; email: string }

/**
 * A user's profile with the personal data decrypted.
 *
 * @example
 * await readProfile({ db, pii }, userId) // ok({ id, email, name: 'Jane', phone: null, address: null })
 */
export function readProfile(
  deps: { db: Db; pii: Keyring },
  userId: string,
): ResultAsync<Profile, AuthError> {
  const query = deps.db
    .select({
      id: users.id,
      email: users.email,
      nameEnc: users.nameEnc,
      phoneEnc: users.phoneEnc,
      addressEnc: users.addressEnc,
    })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1)
  return ResultAsync.fromPromise(query, unavailable).andThen(([row]) => {
    if (!row) return errAsync({ type: 'UnknownUser' as const })
    const data = openPersonalData(deps.pii, row.id, row)
    return data.isOk()
      ? okAsync({ id: row.id, email: row.email, ...data.value })
      : errAsync(data.error)
  })
}

/** MySQL's ER_DUP_ENTRY: the e-mail's unique index refused a second account. */
function isDuplicateKey(cause: unknown): boolean {
  const code = (cause as { code?: string; cause?: { code?: string } } | null) ?? {}
  return code.code === 'ER_DUP_ENTRY' || code.cause?.code === 'ER_DUP_ENTRY'
}
