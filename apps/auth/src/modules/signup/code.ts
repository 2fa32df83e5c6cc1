import { randomInt, timingSafeEqual } from 'node:crypto'

/**
 * A 6-digit code from the system's CSPRNG, uniform over 000000-999999
 * (`randomInt` rejects rather than taking a biased modulo).
 *
 * @example
 * newCode() // '048213'
 */
export function newCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0')
}

/**
 * What is stored of a code: a salted SHA-256, so that the pending record
 * (itself encrypted) never holds the code. Six digits are few, so the real
 * defence is the 5 tries and the 10 minutes; this keeps the code out of
 * sight of anyone reading the record with the key.
 *
 * @example
 * const salt = newSalt()
 * codeDigest(salt, '048213') // 'Hq0...' (base64url)
 */
export function codeDigest(salt: string, code: string): string {
  return new Bun.CryptoHasher('sha256').update(`${salt}:${code}`).digest('base64url')
}

/**
 * @example
 * newSalt() // 22 base64url characters
 */
export function newSalt(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url')
}

/**
 * Compares a presented code with the stored digest in constant time.
 *
 * @example
 * codeMatches(salt, '048213', stored) // true
 */
export function codeMatches(salt: string, code: string, digest: string): boolean {
  const presented = Buffer.from(codeDigest(salt, code))
  const expected = Buffer.from(digest)
  return presented.length === expected.length && timingSafeEqual(presented, expected)
}
