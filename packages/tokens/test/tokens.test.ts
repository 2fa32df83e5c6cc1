import { describe, expect, it } from 'bun:test'
import { defaults } from '@flash/config'
import { craftToken } from '@flash/testing'
import { hs256Verifier } from '../src/hs256.ts'
import { createTokenService, createTokenVerifier } from '../src/tokens.ts'

const config = {
  secret: defaults.devJwtSecret,
  issuer: defaults.jwtIssuer,
  audience: defaults.jwtAudience,
  accessTtlSeconds: 900,
}
const tokens = createTokenService(config)
const now = () => Math.floor(Date.now() / 1000)

/** Re-signs `header.payload` with our key, as an attacker who knew it could; used to test claim checks. */
function resign(header: object, payload: object, secret = config.secret): string {
  const head = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`
  return `${head}.${new Bun.CryptoHasher('sha256', secret).update(head).digest('base64url')}`
}

describe('access tokens', () => {
  it('verifies a token it signed and returns who it names', async () => {
    const { token, expiresIn } = await tokens.signAccess({ id: 'user-1', role: 'admin' })
    const identity = await tokens.verifyAccess(token)
    expect(identity?.userId).toBe('user-1')
    expect(identity?.role).toBe('admin')
    expect(identity?.expiresAt).toBeGreaterThan(now() + expiresIn - 5)
    expect(identity?.tokenId).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('is verified by a verifier with the same settings, which cannot sign', async () => {
    const { issuer, audience, secret } = config
    const verifier = createTokenVerifier({ secret, issuer, audience })
    const { token } = await tokens.signAccess({ id: 'user-2', role: 'buyer' })

    expect((await verifier.verifyAccess(token))?.userId).toBe('user-2')
    expect('signAccess' in verifier).toBe(false)
    expect(() => createTokenVerifier({ secret: 'short', issuer, audience })).toThrow(
      'the token secret must be at least 32 characters',
    )
  })

  it('gives every token its own id', async () => {
    const a = await tokens.verifyAccess((await tokens.signAccess({ id: 'u', role: 'buyer' })).token)
    const b = await tokens.verifyAccess((await tokens.signAccess({ id: 'u', role: 'buyer' })).token)
    expect(a?.tokenId).not.toBe(b?.tokenId)
  })

  const base = () => ({
    sub: 'user-1',
    role: 'buyer',
    typ: 'access',
    jti: crypto.randomUUID(),
    iss: config.issuer,
    aud: config.audience,
    iat: now(),
    exp: now() + 60,
  })
  const rejected: [string, () => string][] = [
    ['alg none', () => craftToken({}, { alg: 'none' })],
    [
      'alg none with a signature attached',
      () => `${craftToken({}, { alg: 'none' })}${craftToken().split('.')[2]}`,
    ],
    ['a wrong key', () => craftToken({}, { secret: 'another-secret-another-secret-0000' })],
    ['an expired token', () => resign({ alg: 'HS256' }, { ...base(), exp: now() - 1 })],
    ['no expiry', () => resign({ alg: 'HS256' }, { ...base(), exp: undefined })],
    ['a token not valid yet', () => resign({ alg: 'HS256' }, { ...base(), nbf: now() + 60 })],
    ['another issuer', () => resign({ alg: 'HS256' }, { ...base(), iss: 'evil' })],
    ['another audience', () => resign({ alg: 'HS256' }, { ...base(), aud: 'other-api' })],
    ['a refresh token', () => resign({ alg: 'HS256' }, { ...base(), typ: 'refresh' })],
    ['an unknown role', () => resign({ alg: 'HS256' }, { ...base(), role: 'root' })],
    ['a family id that is not a string', () => resign({ alg: 'HS256' }, { ...base(), fid: 42 })],
    ['alg HS512 in the header', () => resign({ alg: 'HS512' }, base())],
    ['alg RS256 in the header', () => resign({ alg: 'RS256' }, base())],
    ['a crit header', () => resign({ alg: 'HS256', crit: ['exp'] }, base())],
    [
      'a tampered payload',
      () => {
        const [head, , signature] = resign({ alg: 'HS256' }, base()).split('.')
        return `${head}.${Buffer.from(JSON.stringify({ ...base(), role: 'admin' })).toString('base64url')}.${signature}`
      },
    ],
    ['two segments', () => resign({ alg: 'HS256' }, base()).split('.').slice(0, 2).join('.')],
    ['four segments', () => `${resign({ alg: 'HS256' }, base())}.x`],
    ['garbage', () => 'not.a.token'],
    ['an empty string', () => ''],
    ['a payload that is not an object', () => resign({ alg: 'HS256' }, [1, 2, 3])],
  ]
  for (const [what, make] of rejected) {
    it(`rejects ${what}`, async () => {
      expect(await tokens.verifyAccess(make())).toBeNull()
    })
  }

  it('accepts an audience list that contains ours', async () => {
    const token = resign({ alg: 'HS256', typ: 'JWT' }, { ...base(), aud: ['x', config.audience] })
    expect((await tokens.verifyAccess(token))?.userId).toBe('user-1')
  })

  it('agrees with a clock that tests drive', () => {
    const verify = hs256Verifier({ ...config, now: () => 2_000_000_000 })
    const token = resign({ alg: 'HS256' }, { ...base(), exp: 2_000_000_001 })
    expect(verify(token)?.sub).toBe('user-1')
    expect(hs256Verifier({ ...config, now: () => 2_000_000_001 })(token)).toBeNull()
  })

  describe('once verified', () => {
    it('is still refused the moment it expires', async () => {
      let clock = now()
      const timed = createTokenService({ ...config, now: () => clock })
      const { token, expiresAt } = await timed.signAccess({ id: 'user-9', role: 'buyer' })
      expect((await timed.verifyAccess(token))?.userId).toBe('user-9')
      clock = expiresAt
      expect(await timed.verifyAccess(token)).toBeNull()
    })

    it('lends nothing to a token that differs from it in one character', async () => {
      const { token } = await tokens.signAccess({ id: 'user-10', role: 'buyer' })
      expect((await tokens.verifyAccess(token))?.userId).toBe('user-10')
      // A character inside the signature (its last one carries bits base64url decoding drops).
      const at = token.length - 10
      const changed = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`
      expect(await tokens.verifyAccess(changed)).toBeNull()
    })
  })
})
