import { afterAll, afterEach, beforeAll, describe, expect, it, spyOn } from 'bun:test'
import { refreshTokenFamilies, users } from '@flash/db'
import { connectDb } from '@flash/db/client'
import { keySpace } from '@flash/redis'
import { testRedis, testTokens } from '@flash/testing'
import { asc, eq } from 'drizzle-orm'
import { createAuthApp } from '../src/app.ts'
import { refreshTokenId } from '../src/modules/sessions/refresh-token.ts'
import { DEMO_BUYER_PASSWORD, seedAccounts } from '../src/seed.ts'
import {
  createUser,
  MAX_BODY_BYTES,
  postLogin,
  sessionOf,
  startAuth,
  testKeyring,
} from './helpers.ts'

let auth: Awaited<ReturnType<typeof startAuth>>

beforeAll(async () => {
  auth = await startAuth()
})
afterAll(async () => {
  await auth[Symbol.asyncDispose]()
})
afterEach(() => {
  // Nothing a client sends may become a server-side failure (a logged 500).
  expect(auth.errors).toEqual([])
})

const invalidCredentials = {
  error: { code: 'invalid_credentials', message: 'the e-mail or password is wrong' },
}

describe('POST /auth/login', () => {
  it('signs a buyer in with an access token naming them and a refresh token of a new family', async () => {
    const user = await createUser(auth)
    const before = Date.now()

    const reply = await postLogin(auth.url, { email: user.email, password: user.password })
    const session = sessionOf(reply)

    expect(reply.headers.get('cache-control')).toBe('no-store')
    expect(session).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.stringMatching(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/),
      expiresIn: 3600,
    })
    const [familyId = '', secret = ''] = session.refreshToken.split('.')
    expect(await testTokens.verifyAccess(session.accessToken)).toEqual({
      userId: user.id,
      role: 'buyer',
      tokenId: expect.any(String),
      expiresAt: expect.any(Number),
      issuedAt: expect.any(Number),
      familyId,
    })
    const families = await auth.database.db
      .select()
      .from(refreshTokenFamilies)
      .where(eq(refreshTokenFamilies.userId, user.id))
    expect(families).toEqual([
      {
        id: familyId,
        userId: user.id,
        currentTokenId: refreshTokenId(secret),
        expiresAt: expect.any(Date),
        revokedAt: null,
        createdAt: expect.any(Date),
      },
    ])
    const fourteenDays = 14 * 24 * 60 * 60 * 1000
    expect(families[0]?.expiresAt.getTime()).toBeGreaterThanOrEqual(before + fourteenDays - 1000)
    expect(families[0]?.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + fourteenDays)
  })

  it('opens a separate session for every login', async () => {
    const user = await createUser(auth)
    const credentials = { email: user.email, password: user.password }

    const first = await postLogin(auth.url, credentials)
    const second = await postLogin(auth.url, credentials)

    expect(sessionOf(first).refreshToken).not.toBe(sessionOf(second).refreshToken)
    const families = await auth.database.db
      .select({ id: refreshTokenFamilies.id })
      .from(refreshTokenFamilies)
      .where(eq(refreshTokenFamilies.userId, user.id))
    expect(families).toHaveLength(2)
  })

  it('matches the e-mail whatever its letter case', async () => {
    const user = await createUser(auth)

    const reply = await postLogin(auth.url, {
      email: user.email.toUpperCase(),
      password: user.password,
    })

    expect((await testTokens.verifyAccess(sessionOf(reply).accessToken))?.userId).toBe(user.id)
  })

  it('refuses a wrong password with invalid_credentials and opens no session', async () => {
    const user = await createUser(auth)

    const response = await postLogin(auth.url, { email: user.email, password: 'not it' })

    expect({ status: response.status, body: response.body }).toEqual({
      status: 401,
      body: invalidCredentials,
    })
    const families = await auth.database.db
      .select()
      .from(refreshTokenFamilies)
      .where(eq(refreshTokenFamilies.userId, user.id))
    expect(families).toEqual([])
  })

  it('refuses an unknown e-mail with the very same answer as a wrong password', async () => {
    const response = await postLogin(auth.url, { email: 'nobody@test.local', password: 'x' })

    expect({ status: response.status, body: response.body }).toEqual({
      status: 401,
      body: invalidCredentials,
    })
  })

  it('still verifies an argon2id hash for an unknown e-mail, so timing does not tell it apart', async () => {
    const verify = spyOn(Bun.password, 'verify')
    try {
      await postLogin(auth.url, { email: 'nobody@test.local', password: 'x' })

      expect(verify).toHaveBeenCalledTimes(1)
      expect(verify.mock.calls[0]?.[1]).toStartWith('$argon2id$v=19$m=19456,t=2,')
    } finally {
      verify.mockRestore()
    }
  })

  it.each([
    ['malformed JSON', '{"email":', 'body is not valid JSON'],
    ['a body that is not JSON at all', 'email=a@b.co&password=x', 'body is not valid JSON'],
    ['an empty body', '', 'body expected object'],
    ['a missing password', { email: 'a@test.local' }, 'body.password: expected string'],
    ['a missing e-mail', { password: 'x' }, 'body.email: expected string'],
    ['an e-mail that is not a string', { email: 42, password: 'x' }, 'body.email: expected string'],
    [
      'an e-mail that is not an address',
      { email: 'not-an-address', password: 'x' },
      "body.email: expected string to match 'email' format",
    ],
    [
      'an empty password',
      { email: 'a@test.local', password: '' },
      'body.password: expected string length greater or equal to 1',
    ],
    [
      'a password over 200 characters',
      { email: 'a@test.local', password: 'x'.repeat(201) },
      'body.password: expected string length less or equal to 200',
    ],
  ])('answers 400 invalid_request to %s', async (_, body, message) => {
    const response = await postLogin(auth.url, body)

    expect({ status: response.status, body: response.body }).toEqual({
      status: 400,
      body: { error: { code: 'invalid_request', message } },
    })
  })

  it.each([
    ['with a Content-Length', (text: string) => text],
    ['sent in chunks, without a Content-Length', (text: string) => chunked(text)],
  ])('answers 413 payload_too_large to a body over MAX_BODY_BYTES %s', async (_, frame) => {
    const text = JSON.stringify({ email: 'a@test.local', password: 'x'.repeat(MAX_BODY_BYTES) })

    const response = await postLogin(auth.url, frame(text))

    expect({ status: response.status, body: response.body }).toEqual({
      status: 413,
      body: {
        error: { code: 'payload_too_large', message: `body larger than ${MAX_BODY_BYTES} bytes` },
      },
    })
  })
})

/** A stream of unknown length, so fetch sends it chunked and no Content-Length check applies. */
function chunked(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text)
  return new ReadableStream({
    start(controller) {
      for (let at = 0; at < bytes.length; at += 1024) controller.enqueue(bytes.slice(at, at + 1024))
      controller.close()
    },
  })
}

describe('when MySQL does not answer', () => {
  it('answers 503 unavailable to a login, logs why, and reports itself not ready', async () => {
    const errors: string[] = []
    const unreachable = connectDb('mysql://root@127.0.0.1:1/nowhere', { connectionLimit: 1 })
    await using redis = await testRedis()
    const app = createAuthApp({
      db: unreachable.db,
      redis: redis.redis,
      space: keySpace(redis.prefix),
      tokens: testTokens,
      accessTtlSeconds: 3600,
      pii: testKeyring(),
      rateLimits: null,
      serviceToken: undefined,
      recentOrders: async () => ({ orders: [], available: true }),
      maxBodyBytes: MAX_BODY_BYTES,
      log: (line) => errors.push(line),
    }).listen({ port: 0, hostname: '127.0.0.1' })
    try {
      const url = `http://127.0.0.1:${app.server?.port}`
      const login = await postLogin(url, { email: 'a@test.local', password: 'x' })
      const ready = await fetch(`${url}/ready`)

      expect({ status: login.status, body: login.body }).toEqual({
        status: 503,
        body: {
          error: {
            code: 'unavailable',
            message: 'sign-in is unavailable right now; try again shortly',
          },
        },
      })
      expect(errors).toEqual([expect.stringContaining('[auth] dependency failed')])
      expect({ status: ready.status, body: await ready.json() }).toEqual({
        status: 503,
        body: { ready: false, checks: { mysql: false, redis: true } },
      })
    } finally {
      await app.stop(true)
      await unreachable.close()
    }
  })
})

describe('GET /health and /ready', () => {
  it('reports the process up and MySQL and Redis answering', async () => {
    const health = await fetch(`${auth.url}/health`)
    const ready = await fetch(`${auth.url}/ready`)

    expect(await health.json()).toEqual({ status: 'ok', service: 'auth' })
    expect({ status: ready.status, body: await ready.json() }).toEqual({
      status: 200,
      body: { ready: true, checks: { mysql: true, redis: true } },
    })
  })
})

describe('seedAccounts', () => {
  // The demo buyers' e-mails are fixed, so each of these tests seeds a database of its own.
  const options = { adminEmail: 'Root@Flash.Local', adminPassword: 'admin-secret', buyers: 2 }

  it('creates the admin and the demo buyers once, and a second run changes nothing', async () => {
    await using own = await startAuth()
    const snapshot = () => own.database.db.select().from(users).orderBy(asc(users.email))

    const first = await seedAccounts({ db: own.database.db, pii: own.pii }, options)
    const afterFirst = await snapshot()
    const second = await seedAccounts({ db: own.database.db, pii: own.pii }, options)

    expect(first).toEqual([
      { email: 'root@flash.local', password: 'admin-secret', role: 'admin', outcome: 'created' },
      {
        email: 'buyer1@flash.local',
        password: DEMO_BUYER_PASSWORD,
        role: 'buyer',
        outcome: 'created',
      },
      {
        email: 'buyer2@flash.local',
        password: DEMO_BUYER_PASSWORD,
        role: 'buyer',
        outcome: 'created',
      },
    ])
    expect(second.map((account) => account.outcome)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
    ])
    expect(await snapshot()).toEqual(afterFirst)
  })

  it('lets the seeded admin sign in with role admin and a demo buyer with role buyer', async () => {
    await using own = await startAuth()
    await seedAccounts({ db: own.database.db, pii: own.pii }, options)

    const admin = await postLogin(own.url, { email: 'root@flash.local', password: 'admin-secret' })
    const buyer = await postLogin(own.url, {
      email: 'buyer2@flash.local',
      password: DEMO_BUYER_PASSWORD,
    })

    expect((await testTokens.verifyAccess(sessionOf(admin).accessToken))?.role).toBe('admin')
    expect((await testTokens.verifyAccess(sessionOf(buyer).accessToken))?.role).toBe('buyer')
  })

  it('brings the admin back to the configured password and role when they drifted', async () => {
    await using own = await startAuth()
    await seedAccounts({ db: own.database.db, pii: own.pii }, options)
    await own.database.db
      .update(users)
      .set({ role: 'buyer' })
      .where(eq(users.email, 'root@flash.local'))

    const [changed] = await seedAccounts(
      { db: own.database.db, pii: own.pii },
      { ...options, adminPassword: 'rotated' },
    )
    const oldPassword = await postLogin(own.url, {
      email: 'root@flash.local',
      password: 'admin-secret',
    })
    const newPassword = await postLogin(own.url, { email: 'root@flash.local', password: 'rotated' })

    expect(changed?.outcome).toBe('updated')
    expect(oldPassword.status).toBe(401)
    expect((await testTokens.verifyAccess(sessionOf(newPassword).accessToken))?.role).toBe('admin')
  })
})
