/**
 * Refresh tokens are opaque: `<familyId>.<secret>`, where the secret is 32
 * random bytes in base64url. A family is one login session
 * (`refresh_token_families`); every refresh replaces its secret.
 *
 * The table has no column for a token hash, so `current_token_id` holds the
 * token's id, defined as the SHA-256 of the secret (base64url, cut to the
 * column's 36 characters: 216 bits). A leaked table therefore yields no
 * usable token, and rotation can compare-and-swap on that column: a presented
 * secret whose digest is not the current id is a reused (or forged) token,
 * and the family gets revoked.
 *
 * A signed JWT was the other option; it was not taken because a refresh token
 * is only ever checked against its row anyway, and an opaque one cannot be
 * mistaken for an access token by any verifier.
 */

const SECRET_BYTES = 32
const TOKEN_ID_LENGTH = 36

/**
 * A fresh refresh token for `familyId`, and the id to store as the family's
 * `currentTokenId`.
 *
 * @example
 * const { token, tokenId } = mintRefreshToken(familyId)
 * // token: '0190c3d2-....Xq3v...' (familyId, a dot, 43 base64url characters)
 */
export function mintRefreshToken(familyId: string): { token: string; tokenId: string } {
  const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(SECRET_BYTES))).toString(
    'base64url',
  )
  return { token: `${familyId}.${secret}`, tokenId: refreshTokenId(secret) }
}

/**
 * The id under which a refresh token's secret is stored.
 *
 * @example
 * refreshTokenId(secret) === family.currentTokenId // the token is the family's current one
 */
export function refreshTokenId(secret: string): string {
  return new Bun.CryptoHasher('sha256').update(secret).digest('base64url').slice(0, TOKEN_ID_LENGTH)
}

const REFRESH_TOKEN =
  /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/

/**
 * Splits a presented refresh token into its family and the id of its
 * secret; null for anything that is not shaped like one of ours.
 *
 * @example
 * parseRefreshToken(token) // { familyId: '0190c3d2-...', tokenId: 'Xq3v...' }
 */
export function parseRefreshToken(token: string): { familyId: string; tokenId: string } | null {
  const match = REFRESH_TOKEN.exec(token)
  if (!match?.[1] || !match[2]) return null
  return { familyId: match[1], tokenId: refreshTokenId(match[2]) }
}
