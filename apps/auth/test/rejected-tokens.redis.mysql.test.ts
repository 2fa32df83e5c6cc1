import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { craftToken } from '@flash/testing'
import { type Auth, call, signedIn, startAuth, withToken } from './helpers.ts'
import { startProcess } from './processes.ts'

/**
 * Every kind of bad token, presented to auth's, the gateway's and checkout's
 * routes: auth in this process, checkout and the gateway as real processes
 * on the same database and Redis prefix (the gateway in front of both).
 */
let auth: Auth
let checkout: Awaited<ReturnType<typeof startProcess>>
let gateway: Awaited<ReturnType<typeof startProcess>>
const attacks: Record<string, string> = {}
let valid = ''

const now = () => Math.floor(Date.now() / 1000)

/** The payload changed (to an admin), the signature kept. */
function tampered(token: string): string {
  const [head, payload = '', signature] = token.split('.')
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
  const forged = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')
  return `${head}.${forged}.${signature}`
}

beforeAll(async () => {
  auth = await startAuth()
  const shared = {
    DATABASE_URL: auth.database.url,
    REDIS_URL: auth.redis.url,
    REDIS_PREFIX: auth.redis.prefix,
  }
  checkout = await startProcess('checkout', { ...shared, RATE_LIMITS: 'off' })
  gateway = await startProcess('gateway', {
    ...shared,
    AUTH_URL: auth.url,
    CHECKOUT_URL: checkout.url,
    CATALOG_URL: 'http://127.0.0.1:9',
  })

  const { user, session } = await signedIn(auth)
  valid = session.accessToken
  const sub = user.id
  const loggedOut = (await signedIn(auth)).session
  await withToken(auth.url, 'POST', '/auth/logout', loggedOut.accessToken)
  const everywhere = (await signedIn(auth)).session
  await withToken(auth.url, 'POST', '/auth/logout-all', everywhere.accessToken)

  Object.assign(attacks, {
    'alg none': craftToken({ sub }, { alg: 'none' }),
    'HS256 signed with a wrong key': craftToken(
      { sub },
      { secret: 'not-our-secret-not-our-secret-00' },
    ),
    'an expired token': craftToken({ sub, iat: now() - 1000, exp: now() - 10 }),
    'another issuer': craftToken({ sub, iss: 'evil-issuer' }),
    'another audience': craftToken({ sub, aud: 'another-api' }),
    'a refresh token used as an access token': session.refreshToken,
    'a signed JWT typed refresh': craftToken({ sub, typ: 'refresh' }),
    'a tampered payload': tampered(session.accessToken),
    'a token after its logout': loggedOut.accessToken,
    'a token after a logout-all': everywhere.accessToken,
  })
}, 60_000)

afterAll(async () => {
  await gateway?.[Symbol.asyncDispose]()
  await checkout?.[Symbol.asyncDispose]()
  await auth?.[Symbol.asyncDispose]()
})

/** Every route that needs a token, as [where, method, path, body]. */
function targets(): [string, string, string, unknown][] {
  const order = crypto.randomUUID()
  const placeBody = { saleId: crypto.randomUUID(), quantity: 1 }
  return [
    [auth.url, 'GET', '/auth/me', undefined],
    [auth.url, 'POST', '/auth/logout', undefined],
    [auth.url, 'POST', '/auth/logout-all', undefined],
    [checkout.url, 'GET', `/orders/${order}`, undefined],
    [checkout.url, 'GET', '/orders', undefined],
    [checkout.url, 'POST', '/orders', placeBody],
    [checkout.url, 'POST', `/orders/${order}/cancel`, undefined],
    [gateway.url, 'GET', '/auth/me', undefined],
    [gateway.url, 'GET', `/orders/${order}`, undefined],
    [gateway.url, 'POST', '/orders', placeBody],
  ]
}

function send(base: string, method: string, path: string, body: unknown, token: string) {
  return call(base, method, path, body, {
    authorization: `Bearer ${token}`,
    'idempotency-key': crypto.randomUUID(),
  })
}

const label = (base: string) =>
  base === auth.url ? 'auth' : base === checkout.url ? 'checkout' : 'gateway'

describe('a valid token', () => {
  it('gets past the token check on every route (the control for the attacks below)', async () => {
    const seen = []
    for (const [base, method, path, body] of targets()) {
      if (path.startsWith('/auth/logout')) continue
      const reply = await send(base, method, path, body, valid)
      seen.push(`${label(base)} ${method} ${path.split('/').slice(0, 2).join('/')} ${reply.status}`)
    }

    expect(seen).toEqual([
      'auth GET /auth 200',
      'checkout GET /orders 404',
      'checkout GET /orders 200',
      'checkout POST /orders 404',
      'checkout POST /orders 404',
      'gateway GET /auth 200',
      'gateway GET /orders 404',
      'gateway POST /orders 404',
    ])
  })
})

describe('rejected tokens', () => {
  it.each([
    'alg none',
    'HS256 signed with a wrong key',
    'an expired token',
    'another issuer',
    'another audience',
    'a refresh token used as an access token',
    'a signed JWT typed refresh',
    'a tampered payload',
    'a token after its logout',
    'a token after a logout-all',
  ])('refuses %s with 401 on every auth, checkout and gateway route', async (attack) => {
    const token = attacks[attack] ?? ''
    const routes = targets()
    const answers = []
    for (const [base, method, path, body] of routes) {
      const reply = await send(base, method, path, body, token)
      answers.push({
        route: `${label(base)} ${method} ${path}`,
        status: reply.status,
        code: (reply.body as { error?: { code: string } } | null)?.error?.code,
      })
    }

    expect(answers).toEqual(
      routes.map(([base, method, path]) => ({
        route: `${label(base)} ${method} ${path}`,
        status: 401,
        code: 'unauthorized',
      })),
    )
  })
})
