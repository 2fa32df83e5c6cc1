import { users } from '@flash/db'
import type { Db } from '@flash/db/client'
import { and, asc, eq, gt } from 'drizzle-orm'
import { type PiiField, piiColumns, piiContext } from '../../modules/accounts/personal-data.ts'
import { decryptPii, describePiiError, encryptPii, keyIdOf } from './cipher.ts'
import type { Keyring } from './keyring.ts'

export type RotationReport = {
  /** Rows looked at. */
  rows: number
  /** Values re-encrypted under the current key. */
  rotated: number
  /** Values already under the current key. */
  current: number
  /** Rows changed by someone else while this ran; run again to finish them. */
  raced: number
  /** Values that could not be decrypted, each described. */
  failed: string[]
}

const fields = Object.keys(piiColumns) as PiiField[]
const columnOf = { name: users.nameEnc, phone: users.phoneEnc, address: users.addressEnc }
const propertyOf = { name: 'nameEnc', phone: 'phoneEnc', address: 'addressEnc' } as const

/**
 * Re-encrypts every user's personal data that is not under the keyring's
 * current key, in batches by id. Each row is written only if its old values
 * are still there (compare-and-set), so a concurrent change is never
 * overwritten with stale data; a value that does not decrypt is reported and
 * left as it is. Safe to run again: finished rows are skipped.
 *
 * @example
 * await rotatePii(db, keyring) // { rows: 1200, rotated: 1450, current: 950, raced: 0, failed: [] }
 */
export async function rotatePii(
  db: Db,
  keyring: Keyring,
  options: { batchSize?: number } = {},
): Promise<RotationReport> {
  const report: RotationReport = { rows: 0, rotated: 0, current: 0, raced: 0, failed: [] }
  const batchSize = options.batchSize ?? 500
  let after = ''
  for (;;) {
    const rows = await db
      .select({
        id: users.id,
        nameEnc: users.nameEnc,
        phoneEnc: users.phoneEnc,
        addressEnc: users.addressEnc,
      })
      .from(users)
      .where(gt(users.id, after))
      .orderBy(asc(users.id))
      .limit(batchSize)
    for (const row of rows) {
      report.rows++
      const changes: Partial<Record<(typeof propertyOf)[PiiField], string>> = {}
      const unchanged = []
      for (const field of fields) {
        const value = row[propertyOf[field]]
        if (value === null) continue
        if (keyIdOf(value) === keyring.current.id) {
          report.current++
          continue
        }
        const context = piiContext(field, row.id)
        const plain = decryptPii(keyring, value, context)
        if (plain.isErr()) {
          report.failed.push(
            describePiiError(plain.error, `users.${piiColumns[field]} of ${row.id}`),
          )
          continue
        }
        changes[propertyOf[field]] = encryptPii(keyring, plain.value, context)
        unchanged.push(eq(columnOf[field], value))
      }
      if (unchanged.length === 0) continue
      const [result] = await db
        .update(users)
        .set(changes)
        .where(and(eq(users.id, row.id), ...unchanged))
      if (result.affectedRows === 1) report.rotated += unchanged.length
      else report.raced++
    }
    const last = rows.at(-1)
    if (!last || rows.length < batchSize) return report
    after = last.id
  }
}
