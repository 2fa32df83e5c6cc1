import { hs256Signer, hs256Verifier } from './hs256.ts'

export type TokenConfig = {
  secret: string
  issuer: string
  audience: string
  accessTtlSeconds: number
}

/** Who a verified access token says the caller is. */
export type Identity = {
  userId: string
  role: 'admin' | 'buyer'
  /** The token's `jti`: logout blacklists this id, never the token text. */
  tokenId: string
  /** Epoch seconds. */
  expiresAt: number
  /** Epoch seconds; logout-all revokes every token issued up to a moment. */
  issuedAt: number
  /** The refresh token family (login session) it was issued in (`fid`), when it has one. */
  familyId?: string
}

/** A freshly signed access token and the facts about it its issuer records. */
export type SignedAccess = {
  token: string
  /** Seconds until it expires: the `expiresIn` a login answers with. */
  expiresIn: number
  tokenId: string
  /** Epoch seconds. */
  expiresAt: number
}

export type SignOptions = {
  /**
   * Epoch seconds to put in `iat` instead of now. Revocation by time
   * ("every token issued up to T", logout-all) has a resolution of one
   * second, so a token signed in the same second as such a revocation must
   * say it came later: the issuer passes T + 1.
   */
  issuedAt?: number
}

export type TokenService = {
  signAccess(
    user: { id: string; role: Identity['role']; familyId?: string },
    options?: SignOptions,
  ): Promise<SignedAccess>
  verifyAccess(token: string): Promise<Identity | null>
}

/**
 * Signs and verifies access tokens. Every app verifies tokens itself with this,
 * so no app ever trusts an identity header a client could forge.
 *
 * @example
 * const tokens = createTokenService({ secret, issuer: 'flash-sale', audience: 'flash-sale-api', accessTtlSeconds: 900 })
 * const { token } = await tokens.signAccess({ id: userId, role: 'buyer', familyId })
 * await tokens.verifyAccess(token) // { userId, role: 'buyer', tokenId, expiresAt, issuedAt, familyId }
 */
export function createTokenService(config: TokenConfig): TokenService {
  if (config.secret.length < 32) throw new Error('the token secret must be at least 32 characters')
  const verify = hs256Verifier(config)
  const sign = hs256Signer(config.secret)

  return {
    async signAccess(user, options = {}) {
      const issuedAt = options.issuedAt ?? Math.floor(Date.now() / 1000)
      const tokenId = Bun.randomUUIDv7()
      const expiresAt = issuedAt + config.accessTtlSeconds
      const token = sign({
        sub: user.id,
        role: user.role,
        typ: 'access',
        jti: tokenId,
        ...(user.familyId ? { fid: user.familyId } : {}),
        iss: config.issuer,
        aud: config.audience,
        iat: issuedAt,
        exp: expiresAt,
      })
      return { token, expiresIn: config.accessTtlSeconds, tokenId, expiresAt }
    },

    // async for callers, though verification is synchronous: a future key fetch (JWKS) fits here.
    async verifyAccess(token) {
      const claims = verify(token)
      if (claims?.typ !== 'access') return null
      if (claims.role !== 'admin' && claims.role !== 'buyer') return null
      if (typeof claims.sub !== 'string' || typeof claims.jti !== 'string') return null
      if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number') return null
      if (claims.fid !== undefined && typeof claims.fid !== 'string') return null
      const identity: Identity = {
        userId: claims.sub,
        role: claims.role,
        tokenId: claims.jti,
        expiresAt: claims.exp,
        issuedAt: claims.iat,
      }
      if (typeof claims.fid === 'string') identity.familyId = claims.fid
      return identity
    },
  }
}
