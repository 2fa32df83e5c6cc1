/**
 * `bun apps/auth/src/rotate-pii.ts`: re-encrypts every user's name, phone and
 * address under the first key of PII_KEYS. To rotate: put the new key first
 * in PII_KEYS (keep the old ones after it), restart auth, run this, and drop
 * an old key only once this reports nothing left under it and 10 minutes
 * have passed (pending signups are encrypted too, and live that long).
 * Exits 1 if a value could not be decrypted; it says which.
 */
import { connectDb } from '@flash/db/client'
import { readRotateEnv } from './env.ts'
import { rotatePii } from './shared/pii/rotate.ts'

const env = readRotateEnv()
const { db, close } = connectDb(env.DATABASE_URL, { connectionLimit: 1 })
try {
  const report = await rotatePii(db, env.piiKeyring)
  console.log(
    `rotated ${report.rotated} values to key ${env.piiKeyring.current.id} in ${report.rows} rows; ` +
      `${report.current} already current, ${report.raced} rows changed meanwhile (run again), ` +
      `${report.failed.length} unreadable`,
  )
  for (const failure of report.failed) console.error(failure)
  process.exitCode = report.failed.length > 0 ? 1 : 0
} finally {
  await close()
}
