const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Ids are opaque to clients, so a path id that could never exist is answered
 * like one that does not exist (404), without a query.
 *
 * @example
 * isId(Bun.randomUUIDv7()) // true
 * isId('42') // false
 */
export function isId(value: string): boolean {
  return UUID.test(value)
}
