/**
 * Emails are stored lower-cased, so this is the whole case-insensitive
 * comparison: every lookup and every write goes through it.
 *
 * @example
 * normalizeEmail(' Admin@Flash.Local') // 'admin@flash.local'
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}
