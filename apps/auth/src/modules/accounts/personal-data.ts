import { err, ok, type Result } from 'neverthrow'
import type { AuthError } from '../../errors.ts'
import { decryptPii, describePiiError, encryptPii } from '../../shared/pii/cipher.ts'
import type { Keyring } from '../../shared/pii/keyring.ts'

/** The encrypted columns of `users`, by field. */
export const piiColumns = {
  name: 'name_enc',
  phone: 'phone_enc',
  address: 'address_enc',
} as const
export type PiiField = keyof typeof piiColumns

export type PersonalData = { name: string | null; phone: string | null; address: string | null }
export type EncryptedPersonalData = {
  nameEnc: string | null
  phoneEnc: string | null
  addressEnc: string | null
}

/**
 * What a user's column is bound to as associated data: the column and the
 * row, so a value moved elsewhere does not decrypt.
 *
 * @example
 * piiContext('name', userId) // 'users.name_enc:0190...'
 */
export function piiContext(field: PiiField, userId: string): string {
  return `users.${piiColumns[field]}:${userId}`
}

/**
 * Encrypts a user's personal data for storage; an absent value stays null.
 *
 * @example
 * sealPersonalData(keyring, userId, { name: 'Jane', phone: null, address: null })
 * // { nameEnc: 'v1.k1....', phoneEnc: null, addressEnc: null }
 */
export function sealPersonalData(
  keyring: Keyring,
  userId: string,
  data: PersonalData,
): EncryptedPersonalData {
  const seal = (field: PiiField) => {
    const value = data[field]
    return value === null ? null : encryptPii(keyring, value, piiContext(field, userId))
  }
  return { nameEnc: seal('name'), phoneEnc: seal('phone'), addressEnc: seal('address') }
}

/**
 * Decrypts a user's row; a value that does not decrypt is a Corrupt error
 * naming the user, the column and the reason.
 *
 * @example
 * openPersonalData(keyring, userId, row) // ok({ name: 'Jane', phone: null, address: null })
 */
export function openPersonalData(
  keyring: Keyring,
  userId: string,
  row: EncryptedPersonalData,
): Result<PersonalData, AuthError> {
  const stored = { name: row.nameEnc, phone: row.phoneEnc, address: row.addressEnc }
  const open: PersonalData = { name: null, phone: null, address: null }
  for (const field of Object.keys(piiColumns) as PiiField[]) {
    const value = stored[field]
    if (value === null) continue
    const plain = decryptPii(keyring, value, piiContext(field, userId))
    if (plain.isErr())
      return err({
        type: 'Corrupt',
        reason: describePiiError(plain.error, `users.${piiColumns[field]} of user ${userId}`),
      })
    open[field] = plain.value
  }
  return ok(open)
}
