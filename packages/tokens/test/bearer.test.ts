import { describe, expect, it } from 'bun:test'
import { defaults } from '@flash/config'
import { Elysia } from 'elysia'
import { bearer } from '../src/bearer.ts'
import { createTokenService, type Identity } from '../src/tokens.ts'

const tokens = createTokenService({
  secret: defaults.devJwtSecret,
  issuer: defaults.jwtIssuer,
  audience: defaults.jwtAudience,
  accessTtlSeconds: 900,
})

/** An app with one route per option, whose revocation check answers `revoked` and records its calls. */
function appWith(revoked: (identity: Identity) => Promise<boolean>) {
  const checked: string[] = []
  const app = new Elysia()
    .use(
      bearer(tokens, {
        isRevoked: (identity) => {
          checked.push(identity.tokenId)
          return revoked(identity)
        },
      }),
    )
    .get('/auth', ({ identity }) => identity.userId, { auth: true })
    .get('/in-script', ({ identity }) => identity.userId, { authInScript: true })
    .get('/admin', ({ identity }) => identity.userId, { admin: true })
  return { app, checked }
}

async function get(
  app: { handle: (r: Request) => Promise<Response> },
  path: string,
  token: string,
) {
  const response = await app.handle(
    new Request(`http://localhost${path}`, { headers: { authorization: `Bearer ${token}` } }),
  )
  return { status: response.status, body: await response.text() }
}

const ended = JSON.stringify({
  error: { code: 'unauthorized', message: 'this session has ended; sign in again' },
})

describe('bearer with a revocation check', () => {
  it('lets a token through that is not revoked, after asking once', async () => {
    const { app, checked } = appWith(async () => false)
    const { token, tokenId } = await tokens.signAccess({ id: 'user-1', role: 'buyer' })

    expect(await get(app, '/auth', token)).toEqual({ status: 200, body: 'user-1' })
    expect(checked).toEqual([tokenId])
  })

  it('takes the scheme in lower case too (RFC 9110)', async () => {
    const { app } = appWith(async () => false)
    const { token } = await tokens.signAccess({ id: 'user-1', role: 'buyer' })
    const response = await app.handle(
      new Request('http://localhost/auth', { headers: { authorization: `bearer ${token}` } }),
    )
    expect({ status: response.status, body: await response.text() }).toEqual({
      status: 200,
      body: 'user-1',
    })
  })

  it('refuses a revoked token on auth and admin routes with 401', async () => {
    const { app } = appWith(async () => true)
    const { token } = await tokens.signAccess({ id: 'admin-1', role: 'admin' })

    expect(await get(app, '/auth', token)).toEqual({ status: 401, body: ended })
    expect(await get(app, '/admin', token)).toEqual({ status: 401, body: ended })
  })

  it('answers 503 when revocation cannot be checked, rather than letting the token through', async () => {
    const { app } = appWith(async () => {
      throw new Error('redis is down')
    })
    const { token } = await tokens.signAccess({ id: 'user-1', role: 'buyer' })

    const reply = await get(app, '/auth', token)

    expect(reply.status).toBe(503)
    expect(JSON.parse(reply.body).error.code).toBe('unavailable')
  })

  it('leaves the check to the handler on authInScript routes: no second round trip', async () => {
    const { app, checked } = appWith(async () => true)
    const { token } = await tokens.signAccess({ id: 'user-1', role: 'buyer' })

    expect(await get(app, '/in-script', token)).toEqual({ status: 200, body: 'user-1' })
    expect(checked).toEqual([])
  })

  it('still refuses an invalid token on authInScript routes, and a buyer on admin routes', async () => {
    const { app, checked } = appWith(async () => false)
    const { token } = await tokens.signAccess({ id: 'user-1', role: 'buyer' })

    expect((await get(app, '/in-script', `${token}x`)).status).toBe(401)
    expect((await get(app, '/admin', token)).status).toBe(403)
    expect(checked).toEqual([])
  })
})

describe('signAccess', () => {
  it('puts the family id in the token as fid, and verifyAccess gives it back', async () => {
    const { token, tokenId, expiresAt } = await tokens.signAccess({
      id: 'user-1',
      role: 'buyer',
      familyId: 'family-1',
    })

    expect(await tokens.verifyAccess(token)).toEqual({
      userId: 'user-1',
      role: 'buyer',
      tokenId,
      expiresAt,
      issuedAt: expiresAt - 900,
      familyId: 'family-1',
    })
  })

  it('takes an issued-at time, and counts the expiry from it', async () => {
    const at = Math.floor(Date.now() / 1000) + 1

    const { token } = await tokens.signAccess({ id: 'user-1', role: 'buyer' }, { issuedAt: at })

    expect(await tokens.verifyAccess(token)).toMatchObject({ issuedAt: at, expiresAt: at + 900 })
  })
})
