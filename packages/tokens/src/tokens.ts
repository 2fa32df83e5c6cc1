import { jwt } from '@elysiajs/jwt'
import { hs256Verifier } from './hs256.ts'

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
}

export type TokenService = {
  signAccess(user: {
    id: string
    role: Identity['role']
  }): Promise<{ token: string; expiresIn: number }>
  verifyAccess(token: string): Promise<Identity | null>
}

/**
 * Signs and verifies access tokens. Every app verifies tokens itself with this,
 * so no app ever trusts an identity header a client could forge.
 *
 * @example
 * const tokens = createTokenService({ secret, issuer: 'flash-sale', audience: 'flash-sale-api', accessTtlSeconds: 900 })
 * const { token } = await tokens.signAccess({ id: userId, role: 'buyer' })
 * await tokens.verifyAccess(token) // { userId, role: 'buyer', tokenId, expiresAt }
 */
export function createTokenService(config: TokenConfig): TokenService {
  if (config.secret.length < 32) throw new Error('the token secret must be at least 32 characters')
  const verify = hs256Verifier(config)
  const { jwt: signer } = jwt({
    name: 'jwt',
    secret: config.secret,
    alg: 'HS256',
    iss: config.issuer,
    aud: config.audience,
  }).decorator

  return {
    async signAccess(user) {
      const token = await signer.sign({
        sub: user.id,
        role: user.role,
        typ: 'access',
        jti: Bun.randomUUIDv7(),
        exp: `${config.accessTtlSeconds}s`,
      })
      return { token, expiresIn: config.accessTtlSeconds }
    },

    // async for callers, though verification is synchronous: a future key fetch (JWKS) fits here.
    async verifyAccess(token) {
      const claims = verify(token)
      if (!claims || claims.typ !== 'access') return null
      if (claims.role !== 'admin' && claims.role !== 'buyer') return null
      if (typeof claims.sub !== 'string' || typeof claims.jti !== 'string') return null
      if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number') return null
      return {
        userId: claims.sub,
        role: claims.role,
        tokenId: claims.jti,
        expiresAt: claims.exp,
        issuedAt: claims.iat,
      }
    },
  }
}
