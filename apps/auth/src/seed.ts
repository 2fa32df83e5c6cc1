import { type Role, users } from '@flash/db'
import { connectDb, type Db } from '@flash/db/client'
import { eq } from 'drizzle-orm'
import { readSeedEnv } from './env.ts'
import { piiContext } from './modules/accounts/personal-data.ts'
import { createAccount } from './modules/accounts/service.ts'
import { normalizeEmail } from './shared/email.ts'
import { hashPassword, verifyPassword } from './shared/password.ts'
import { encryptPii } from './shared/pii/cipher.ts'
import type { Keyring } from './shared/pii/keyring.ts'

/** Every demo buyer shares it; production refuses demo buyers (see env.ts). */
export const DEMO_BUYER_PASSWORD = 'buyer-password'

export type SeedOptions = { adminEmail: string; adminPassword: string; buyers: number }
export type SeededAccount = {
  email: string
  password: string
  role: Role
  outcome: 'created' | 'updated' | 'unchanged'
}

type Wanted = { email: string; password: string; role: Role; name: string }

/**
 * Makes sure the admin and `buyers` demo buyers (`buyer1@flash.local`, ...)
 * exist with these passwords and roles. New accounts are made by
 * `createAccount`, the path a verified signup takes, so their names are
 * encrypted like everyone's. Idempotent: an account that already matches is
 * not touched (not even `updated_at`), so a second run changes nothing.
 *
 * @example
 * await seedAccounts({ db, pii }, { adminEmail: 'admin@flash.local', adminPassword: 'secret', buyers: 3 })
 * // [{ email: 'admin@flash.local', role: 'admin', outcome: 'created', ... }, ...]
 */
export async function seedAccounts(
  deps: { db: Db; pii: Keyring },
  options: SeedOptions,
): Promise<SeededAccount[]> {
  const wanted: Wanted[] = [
    { email: options.adminEmail, password: options.adminPassword, role: 'admin', name: 'Admin' },
    ...Array.from({ length: options.buyers }, (_, i) => ({
      email: `buyer${i + 1}@flash.local`,
      password: DEMO_BUYER_PASSWORD,
      role: 'buyer' as const,
      name: `Demo Buyer ${i + 1}`,
    })),
  ]
  const seeded: SeededAccount[] = []
  for (const account of wanted) seeded.push(await upsertAccount(deps, account))
  return seeded
}

async function upsertAccount(
  deps: { db: Db; pii: Keyring },
  account: Wanted,
): Promise<SeededAccount> {
  const email = normalizeEmail(account.email)
  const seeded = { email, password: account.password, role: account.role }
  const [existing] = await deps.db.select().from(users).where(eq(users.email, email)).limit(1)

  if (!existing) {
    const created = await createAccount(deps, {
      email,
      passwordHash: await hashPassword(account.password),
      role: account.role,
      name: account.name,
      phone: null,
      address: null,
    })
    // A concurrent seed may create the same e-mail first; theirs stands.
    if (created.isErr() && created.error.type !== 'EmailTaken')
      throw new Error(`could not create ${email}: ${JSON.stringify(created.error)}`)
    return { ...seeded, outcome: 'created' }
  }

  // A fresh hash has a fresh salt, so compare by verifying rather than rewriting every run.
  const passwordMatches = await verifyPassword(account.password, existing.passwordHash)
  const named = existing.nameEnc !== null
  if (passwordMatches && existing.role === account.role && named)
    return { ...seeded, outcome: 'unchanged' }
  await deps.db
    .update(users)
    .set({
      role: account.role,
      passwordHash: passwordMatches ? existing.passwordHash : await hashPassword(account.password),
      // An account from before names were encrypted gets its name back, encrypted.
      nameEnc: named
        ? existing.nameEnc
        : encryptPii(deps.pii, account.name, piiContext('name', existing.id)),
      updatedAt: new Date(),
    })
    .where(eq(users.id, existing.id))
  return { ...seeded, outcome: 'updated' }
}

if (import.meta.main) {
  const { env, defaulted, piiKeyring } = readSeedEnv()
  const { db, close } = connectDb(env.DATABASE_URL, { connectionLimit: 1 })
  try {
    const accounts = await seedAccounts(
      { db, pii: piiKeyring },
      { adminEmail: env.ADMIN_EMAIL, adminPassword: env.ADMIN_PASSWORD, buyers: env.DEMO_BUYERS },
    )
    console.log('seeded accounts:')
    for (const account of accounts)
      console.log(
        `  ${account.role.padEnd(5)}  ${account.email}  password: ${account.password}  (${account.outcome})`,
      )
    if (defaulted.length > 0)
      console.log(
        `defaults used for ${defaulted.join(', ')}: set them for anything but development`,
      )
  } finally {
    await close()
  }
}
