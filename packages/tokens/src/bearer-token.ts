/**
 * The token of an `Authorization: Bearer <token>` header, or null. The
 * scheme is matched without regard to case (RFC 9110 §11.1: `bearer`,
 * `BEARER` and `Bearer` are the same scheme), and one or more spaces may
 * separate it from the token. Every reader of the header uses this one, so
 * the gateway, `bearer()` and checkout's early answer never disagree.
 *
 * @example
 * bearerToken('bearer eyJhbGciOi...') // 'eyJhbGciOi...'
 * bearerToken('Basic dXNlcjpwYXNz') // null
 */
export function bearerToken(authorization: string | null | undefined): string | null {
  if (!authorization || authorization.length < 8) return null
  if (authorization.slice(0, 7).toLowerCase() !== 'bearer ') return null
  const token = authorization.slice(7).trim()
  return token === '' ? null : token
}
