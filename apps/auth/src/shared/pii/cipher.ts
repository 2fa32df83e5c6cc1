import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { err, ok, type Result } from 'neverthrow'
import type { Keyring } from './keyring.ts'

/**
 * Why a stored value could not be read back. `Tampered` covers every
 * authentication failure: the ciphertext, its IV or its context changed, or
 * it was encrypted under another key that carries the same id.
 */
export type PiiError =
  | { type: 'Malformed' }
  | { type: 'UnknownKey'; keyId: string }
  | { type: 'Tampered'; keyId: string }

const VERSION = 'v1'
const IV_BYTES = 12
const TAG_BYTES = 16

/**
 * Encrypts a piece of personal data with AES-256-GCM under the current key:
 * `v1.<keyId>.<iv>.<ciphertext+tag>` in base64url. `context` is bound in as
 * associated data (the table, column and row it belongs to), so a value
 * copied to another row or column fails to decrypt instead of passing for
 * someone else's.
 *
 * @example
 * encryptPii(keyring, 'Jane Doe', 'users.name:0190...') // 'v1.k2.Xk3q....b0pZ...'
 */
export function encryptPii(keyring: Keyring, plaintext: string, context: string): string {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', keyring.current.key, iv)
  cipher.setAAD(Buffer.from(context))
  const body = Buffer.concat([
    cipher.update(plaintext, 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ])
  return [VERSION, keyring.current.id, iv.toString('base64url'), body.toString('base64url')].join(
    '.',
  )
}

/**
 * Decrypts what `encryptPii` wrote, under whichever key of the ring its id names.
 *
 * @example
 * decryptPii(keyring, row.nameEnc, `users.name:${row.id}`) // ok('Jane Doe')
 * decryptPii(keyring, tampered, context) // err({ type: 'Tampered', keyId: 'k2' })
 */
export function decryptPii(
  keyring: Keyring,
  value: string,
  context: string,
): Result<string, PiiError> {
  const parts = value.split('.')
  const [version, keyId = '', iv = '', body = ''] = parts
  if (parts.length !== 4 || version !== VERSION) return err({ type: 'Malformed' })
  const key = keyring.keys.get(keyId)
  if (!key) return err({ type: 'UnknownKey', keyId })
  const ivBytes = Buffer.from(iv, 'base64url')
  const bodyBytes = Buffer.from(body, 'base64url')
  if (ivBytes.length !== IV_BYTES || bodyBytes.length < TAG_BYTES) return err({ type: 'Malformed' })
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, ivBytes)
    decipher.setAAD(Buffer.from(context))
    decipher.setAuthTag(bodyBytes.subarray(bodyBytes.length - TAG_BYTES))
    const text = Buffer.concat([
      decipher.update(bodyBytes.subarray(0, bodyBytes.length - TAG_BYTES)),
      decipher.final(),
    ])
    return ok(text.toString('utf8'))
  } catch {
    return err({ type: 'Tampered', keyId })
  }
}

/**
 * The id of the key a value was encrypted under, without decrypting it.
 *
 * @example
 * keyIdOf('v1.k1.abc.def') // 'k1'
 */
export function keyIdOf(value: string): string | null {
  const [version, keyId] = value.split('.')
  return version === VERSION && keyId ? keyId : null
}

/**
 * A sentence for logs and errors naming what could not be read and why.
 *
 * @example
 * describePiiError({ type: 'UnknownKey', keyId: 'k0' }, 'users.name of 0190...')
 * // 'cannot decrypt users.name of 0190...: it was encrypted under key k0, which PII_KEYS does not list'
 */
export function describePiiError(error: PiiError, what: string): string {
  switch (error.type) {
    case 'Malformed':
      return `cannot decrypt ${what}: it is not a v1.<keyId>.<iv>.<ciphertext> value`
    case 'UnknownKey':
      return `cannot decrypt ${what}: it was encrypted under key ${error.keyId}, which PII_KEYS does not list`
    case 'Tampered':
      return `cannot decrypt ${what}: authentication failed under key ${error.keyId} (the value was altered, moved from another row, or encrypted under another key of that id)`
  }
}
