import { type Role, users } from '@flash/db'
import { connectDb, type Db } from '@flash/db/client'
import { eq } from 'drizzle-orm'
import { normalizeEmail } from './email.ts'
import { readSeedEnv } from './env.ts'
import { hashPassword, verifyPassword } from './password.ts'

/** Every demo buyer shares it; production refuses demo buyers (see env.ts). */
export const DEMO_BUYER_PASSWORD = 'buyer-password'

export type SeedOptions = { adminEmail: string; adminPassword: string; buyers: number }
export type SeededAccount = {
  email: string
  password: string
  role: Role
  outcome: 'created' | 'updated' | 'unchanged'
}

/**
 * Makes sure the admin and `buyers` demo buyers (`buyer1@flash.local`, ...)
 * exist with these passwords and roles. Idempotent: an account that already
 * matches is not touched (not even `updated_at`), so a second run changes nothing.
 *
 * @example
 * await seedAccounts(db, { adminEmail: 'admin@flash.local', adminPassword: 'secret', buyers: 3 })
 * // [{ email: 'admin@flash.local', role: 'admin', outcome: 'created', ... }, ...]
 */
export async function seedAccounts(db: Db, options: SeedOptions): Promise<SeededAccount[]> {
  const wanted = [
    {
      email: options.adminEmail,
      password: options.adminPassword,
      role: 'admin' as const,
      name: 'Admin',
    },
    ...Array.from({ length: options.buyers }, (_, i) => ({
      email: `buyer${i + 1}@flash.local`,
      password: DEMO_BUYER_PASSWORD,
      role: 'buyer' as const,
      name: `Demo Buyer ${i + 1}`,
    })),
  ]
  const seeded: SeededAccount[] = []
  for (const account of wanted) seeded.push(await upsertAccount(db, account))
  return seeded
}

async function upsertAccount(
  db: Db,
  account: { email: string; password: string; role: Role; name: string },
): Promise<SeededAccount> {
  const email = normalizeEmail(account.email)
  const seeded = { email, password: account.password, role: account.role }
  const [existing] = await db.select().from(users).where(eq(users.email, email)).limit(1)
  const now = new Date()

  if (!existing) {
    const passwordHash = await hashPassword(account.password)
    // A concurrent seed may insert the same e-mail first; theirs stands, ours is a no-op.
    await db
      .insert(users)
      .values({
        id: Bun.randomUUIDv7(),
        email,
        passwordHash,
        role: account.role,
        name: account.name,
        createdAt: now,
        updatedAt: now,
      })
      .onDuplicateKeyUpdate({ set: { email } })
    return { ...seeded, outcome: 'created' }
  }

  // A fresh hash has a fresh salt, so compare by verifying rather than rewriting every run.
  const passwordMatches = await verifyPassword(account.password, existing.passwordHash)
  if (passwordMatches && existing.role === account.role) return { ...seeded, outcome: 'unchanged' }
  await db
    .update(users)
    .set({
      role: account.role,
      passwordHash: passwordMatches ? existing.passwordHash : await hashPassword(account.password),
      updatedAt: now,
    })
    .where(eq(users.id, existing.id))
  return { ...seeded, outcome: 'updated' }
}

if (import.meta.main) {
  const { env, defaulted } = readSeedEnv()
  const { db, close } = connectDb(env.DATABASE_URL, { connectionLimit: 1 })
  try {
    const accounts = await seedAccounts(db, {
      adminEmail: env.ADMIN_EMAIL,
      adminPassword: env.ADMIN_PASSWORD,
      buyers: env.DEMO_BUYERS,
    })
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
