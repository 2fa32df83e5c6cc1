import { hs256Signer, hs256Verifier } from './hs256.ts'

export type VerifierConfig = {
  secret: string
  issuer: string
  audience: string
  /** Epoch seconds; injectable for tests. */
  now?: () => number
}

export type TokenConfig = VerifierConfig & { accessTtlSeconds: number }

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

/** What an app that only checks tokens (every app but auth) needs. */
export type TokenVerifier = {
  verifyAccess(token: string): Promise<Identity | null>
}

export type TokenService = TokenVerifier & {
  signAccess(
    user: { id: string; role: Identity['role']; familyId?: string },
    options?: SignOptions,
  ): Promise<SignedAccess>
}

/** About 5 MB of tokens: a sale's worth of buyers per checkout process. */
const VERIFIED_TOKENS_KEPT = 10_000

/**
 * Signs and verifies access tokens: auth's, the one app that issues them.
 *
 * @example
 * const tokens = createTokenService({ secret, issuer: 'flash-sale', audience: 'flash-sale-api', accessTtlSeconds: 900 })
 * const { token } = await tokens.signAccess({ id: userId, role: 'buyer', familyId })
 * await tokens.verifyAccess(token) // { userId, role: 'buyer', tokenId, expiresAt, issuedAt, familyId }
 */
export function createTokenService(config: TokenConfig): TokenService {
  const { verifyAccess } = createTokenVerifier(config)
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
    verifyAccess,
  }
}

/**
 * Verifies access tokens and never signs one. Every app verifies tokens
 * itself with this (or auth's `createTokenService`), so no app ever trusts
 * an identity header a client could forge.
 *
 * @example
 * const tokens = createTokenVerifier({ secret, issuer: 'flash-sale', audience: 'flash-sale-api' })
 * await tokens.verifyAccess(token) // { userId, role: 'buyer', tokenId, expiresAt, issuedAt } or null
 */
export function createTokenVerifier(config: VerifierConfig): TokenVerifier {
  if (config.secret.length < 32) throw new Error('the token secret must be at least 32 characters')
  const verify = hs256Verifier(config)
  const verified = new VerifiedTokens(VERIFIED_TOKENS_KEPT)
  const now = config.now ?? (() => Math.floor(Date.now() / 1000))

  return {
    // async for callers, though verification is synchronous: a future key fetch (JWKS) fits here.
    async verifyAccess(token) {
      const known = verified.get(token)
      if (known) return known.expiresAt > now() ? known : null
      const identity = identityOf(verify(token))
      if (identity) verified.remember(token, identity)
      return identity
    },
  }
}

/**
 * Access tokens this process has verified, by their full text (signature
 * included, so no other string can hit an entry), as Envoy's jwt_authn caches
 * them. A buyer pressing "buy" again during a sale is answered without a
 * second HMAC and two JSON parses. Expiry is
 * checked again on every hit; revocation is checked on every request anyway,
 * outside this cache. Bounded: the oldest entry goes first.
 */
class VerifiedTokens {
  readonly #identities = new Map<string, Identity>()

  constructor(private readonly capacity: number) {}

  get(token: string): Identity | undefined {
    return this.#identities.get(token)
  }

  remember(token: string, identity: Identity): void {
    if (this.#identities.size >= this.capacity) {
      const oldest = this.#identities.keys().next()
      if (!oldest.done) this.#identities.delete(oldest.value)
    }
    this.#identities.set(token, Object.freeze(identity))
  }
}

/** The identity an access token's verified claims describe, or null if they describe none. */
function identityOf(claims: Record<string, unknown> | null): Identity | null {
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
}
