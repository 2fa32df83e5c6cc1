import { type KeySpace, partitionTag } from '@flash/redis'

/**
 * Auth's own Redis keys, built only here (every other key, logout marks
 * included, is built by `packages/redis/src/keys.ts`). They live in
 * partition 0's hash tag, the slot of the `emails` stream, so that storing a
 * signup code and queueing its e-mail is one MULTI even on Redis Cluster. E-mail addresses appear only as digests:
 * key names show up in SCAN, MONITOR and slow logs.
 */

/**
 * A digest that stands for an e-mail address (or any identifier) in key names.
 *
 * @example
 * subjectDigest('buyer1@flash.local') // 'pX3v...' (43 base64url characters)
 */
export function subjectDigest(subject: string): string {
  return new Bun.CryptoHasher('sha256').update(subject).digest('base64url')
}

/**
 * The signup waiting for its code, per (normalized) e-mail address.
 *
 * @example
 * pendingSignupKey(space, 'buyer@shop.example') // 'fs:{p0}:auth:signup:<digest>'
 */
export function pendingSignupKey(space: KeySpace, email: string): string {
  return `${partitionTag(space, 0)}:auth:signup:${subjectDigest(email)}`
}

/**
 * The access tokens issued in one login session (refresh family), so that
 * revoking the family can revoke each of them by id.
 *
 * @example
 * familyAccessKey(space, familyId) // 'fs:{p0}:auth:family:<familyId>'
 */
export function familyAccessKey(space: KeySpace, familyId: string): string {
  return `${partitionTag(space, 0)}:auth:family:${familyId}`
}

/**
 * A fixed-window rate counter for one rule and subject (an address, an e-mail and address).
 *
 * @example
 * authRateKey(space, 'login', 'buyer@shop.example|203.0.113.7')
 */
export function authRateKey(space: KeySpace, rule: string, subject: string): string {
  return `${partitionTag(space, 0)}:auth:rate:${rule}:${subjectDigest(subject)}`
}
