/**
 * argon2id at OWASP's minimum (19 MiB, 2 passes): enough to make offline
 * guessing expensive while a login still costs the server tens of ms.
 */
const ARGON2ID = { algorithm: 'argon2id', memoryCost: 19_456, timeCost: 2 } as const

/**
 * Hashes a password for storage in `users.password_hash`.
 *
 * @example
 * const passwordHash = await hashPassword('buyer-password') // '$argon2id$v=19$m=19456,t=2,p=1$...'
 */
export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, ARGON2ID)
}

/**
 * Checks a password against a stored hash; the hash carries its own
 * parameters, so hashes made with older settings keep working.
 *
 * @example
 * await verifyPassword('buyer-password', user.passwordHash) // true
 */
export function verifyPassword(password: string, passwordHash: string): Promise<boolean> {
  return Bun.password.verify(password, passwordHash)
}
