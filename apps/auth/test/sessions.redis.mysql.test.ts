import { afterAll, afterEach, beforeAll, describe, expect, it } from 'bun:test'
import { refreshTokenFamilies } from '@flash/db'
import { revocationKeys } from '@flash/redis'
import { testTokens } from '@flash/testing'
import { eq } from 'drizzle-orm'
import { type Auth, call, postLogin, sessionOf, signedIn, startAuth, withToken } from './helpers.ts'

let auth: Auth

beforeAll(async () => {
  auth = await startAuth()
})
afterAll(async () => {
  await auth[Symbol.asyncDispose]()
})
afterEach(() => {
  expect(auth.errors).toEqual([])
})

const invalidToken = {
  error: { code: 'invalid_token', message: 'the refresh token is not valid; sign in again' },
}
const sessionEnded = {
  error: { code: 'unauthorized', message: 'this session has ended; sign in again' },
}

function refresh(refreshToken: string) {
  return call(auth.url, 'POST', '/auth/refresh', { refreshToken })
}

async function family(familyId: string) {
  const [row] = await auth.database.db
    .select()
    .from(refreshTokenFamilies)
    .where(eq(refreshTokenFamilies.id, familyId))
  return row
}

const familyOf = (refreshToken: string) => refreshToken.split('.')[0] ?? ''
const me = (accessToken: string) => withToken(auth.url, 'GET', '/auth/me', accessToken)
const statusOf = async (reply: Promise<{ status: number }>) => (await reply).status

describe('POST /auth/refresh', () => {
  it('rotates: new tokens of the same family, and the session lives 14 more days', async () => {
    const { user, session } = await signedIn(auth)
    const before = Date.now()

    const reply = await refresh(session.refreshToken)
    const next = sessionOf(reply)

    expect(reply.headers.get('cache-control')).toBe('no-store')
    expect(next).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.stringMatching(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/),
      expiresIn: 3600,
    })
    expect(familyOf(next.refreshToken)).toBe(familyOf(session.refreshToken))
    expect(next.refreshToken).not.toBe(session.refreshToken)
    expect(await testTokens.verifyAccess(next.accessToken)).toMatchObject({
      userId: user.id,
      role: 'buyer',
      familyId: familyOf(session.refreshToken),
    })
    const row = await family(familyOf(session.refreshToken))
    expect(row?.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 14 * 86_400_000 - 1000)
    expect(await statusOf(me(next.accessToken))).toBe(200)
  })

  it('keeps rotating: each new refresh token works once, in turn', async () => {
    const { session } = await signedIn(auth)

    let current = session
    const statuses = []
    for (let i = 0; i < 3; i++) {
      const reply = await refresh(current.refreshToken)
      statuses.push(reply.status)
      current = sessionOf(reply)
    }

    expect(statuses).toEqual([200, 200, 200])
  })

  it('ends the whole family when a rotated token comes back, and leaves other sessions alone', async () => {
    const { user, session: first } = await signedIn(auth)
    const otherSession = sessionOf(
      await postLogin(auth.url, { email: user.email, password: user.password }),
    )
    const second = sessionOf(await refresh(first.refreshToken))

    const reused = await refresh(first.refreshToken)

    expect({ status: reused.status, body: reused.body }).toEqual({
      status: 401,
      body: invalidToken,
    })
    // The holder of the newest tokens of that family is signed out too: nobody can tell
    // the thief from the owner, so both must sign in again.
    expect(await statusOf(refresh(second.refreshToken))).toBe(401)
    expect((await me(second.accessToken)).body).toEqual(sessionEnded)
    expect((await me(first.accessToken)).body).toEqual(sessionEnded)
    expect((await family(familyOf(first.refreshToken)))?.revokedAt).toEqual(expect.any(Date))
    expect(await statusOf(me(otherSession.accessToken))).toBe(200)
    expect(await statusOf(refresh(otherSession.refreshToken))).toBe(200)
  })

  it('lets exactly one of two refreshes racing with the same token win', async () => {
    const { session } = await signedIn(auth)

    const replies = await Promise.all([
      refresh(session.refreshToken),
      refresh(session.refreshToken),
    ])

    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 401])
    expect(replies.find((reply) => reply.status === 401)?.body).toEqual(invalidToken)
  })

  it('lets exactly one of ten racing refreshes win, so the family never forks', async () => {
    const { session } = await signedIn(auth)

    const replies = await Promise.all(
      Array.from({ length: 10 }, () => refresh(session.refreshToken)),
    )

    expect(replies.filter((reply) => reply.status === 200)).toHaveLength(1)
    expect(replies.filter((reply) => reply.status === 401)).toHaveLength(9)
    // The losers presented a token that was no longer current: reuse, so the family ended.
    const winner = sessionOf(
      replies.find((reply) => reply.status === 200) ?? { status: 0, body: 0 },
    )
    expect(await statusOf(refresh(winner.refreshToken))).toBe(401)
  })

  it('refuses a token of a family that has expired', async () => {
    const { session } = await signedIn(auth)
    await auth.database.db
      .update(refreshTokenFamilies)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(refreshTokenFamilies.id, familyOf(session.refreshToken)))

    const reply = await refresh(session.refreshToken)

    expect({ status: reply.status, body: reply.body }).toEqual({ status: 401, body: invalidToken })
  })

  it.each([
    ['an unknown family', () => `${crypto.randomUUID()}.${'A'.repeat(43)}`],
    [
      'a forged secret for a real family',
      async () => {
        const { session } = await signedIn(auth)
        return `${familyOf(session.refreshToken)}.${'B'.repeat(43)}`
      },
    ],
    ['a token without a family', () => 'A'.repeat(43)],
    ['an access token', async () => (await signedIn(auth)).session.accessToken],
    ['garbage', () => 'not a token'],
  ])('refuses %s with invalid_token', async (_, make) => {
    const reply = await refresh(await make())

    expect({ status: reply.status, body: reply.body }).toEqual({ status: 401, body: invalidToken })
  })
})

describe('POST /auth/logout', () => {
  it('answers 204 and ends that session at once: its access tokens and its refresh token', async () => {
    const { user, session } = await signedIn(auth)
    const rotated = sessionOf(await refresh(session.refreshToken))
    const other = sessionOf(
      await postLogin(auth.url, { email: user.email, password: user.password }),
    )

    const reply = await withToken(auth.url, 'POST', '/auth/logout', rotated.accessToken)

    expect({ status: reply.status, body: reply.body }).toEqual({ status: 204, body: null })
    expect((await me(rotated.accessToken)).body).toEqual(sessionEnded)
    // The family's earlier access token (from before the refresh) is ended with it.
    expect((await me(session.accessToken)).body).toEqual(sessionEnded)
    expect((await refresh(rotated.refreshToken)).body).toEqual(invalidToken)
    expect(await statusOf(me(other.accessToken))).toBe(200)
  })

  it('blacklists the token by its id, never by its text', async () => {
    const { user, session } = await signedIn(auth)
    const identity = await testTokens.verifyAccess(session.accessToken)

    await withToken(auth.url, 'POST', '/auth/logout', session.accessToken)

    const key = revocationKeys(auth.redis.space, 0, identity?.tokenId ?? '', user.id).token
    expect(await auth.redis.redis.exists(key)).toBe(1)
    const ttl = await auth.redis.redis.ttl(key)
    expect(ttl).toBeGreaterThan(3500)
    expect(ttl).toBeLessThanOrEqual(3601)
    const keys = await auth.redis.redis.keys(`${auth.redis.prefix}*`)
    expect(keys.some((name) => name.includes(session.accessToken.split('.')[2] ?? '-'))).toBe(false)
  })

  it('refuses a second logout with the same token', async () => {
    const { session } = await signedIn(auth)

    const first = await withToken(auth.url, 'POST', '/auth/logout', session.accessToken)
    const second = await withToken(auth.url, 'POST', '/auth/logout', session.accessToken)

    expect([first.status, second.status]).toEqual([204, 401])
  })
})

describe('POST /auth/logout-all', () => {
  it('ends every session of the caller and no one else’s', async () => {
    const { user, session: phone } = await signedIn(auth)
    const laptop = sessionOf(
      await postLogin(auth.url, { email: user.email, password: user.password }),
    )
    const { session: stranger } = await signedIn(auth)

    const reply = await withToken(auth.url, 'POST', '/auth/logout-all', phone.accessToken)

    expect({ status: reply.status, body: reply.body }).toEqual({ status: 204, body: null })
    expect(await Promise.all([phone, laptop].map((s) => statusOf(me(s.accessToken))))).toEqual([
      401, 401,
    ])
    expect(
      await Promise.all([phone, laptop].map((s) => statusOf(refresh(s.refreshToken)))),
    ).toEqual([401, 401])
    expect(await statusOf(me(stranger.accessToken))).toBe(200)
  })

  it('still ends a session opened between two logout-alls of the same second', async () => {
    const { user, session } = await signedIn(auth)
    const credentials = { email: user.email, password: user.password }
    await withToken(auth.url, 'POST', '/auth/logout-all', session.accessToken)
    const between = sessionOf(await postLogin(auth.url, credentials))
    const other = sessionOf(await postLogin(auth.url, credentials))

    await withToken(auth.url, 'POST', '/auth/logout-all', other.accessToken)

    expect((await me(between.accessToken)).body).toEqual(sessionEnded)
    expect(await statusOf(refresh(between.refreshToken))).toBe(401)
    const after = sessionOf(await postLogin(auth.url, credentials))
    expect(await statusOf(me(after.accessToken))).toBe(200)
  })

  it('lets the user sign in again at once, in the same second as the logout-all', async () => {
    const { user, session } = await signedIn(auth)
    await withToken(auth.url, 'POST', '/auth/logout-all', session.accessToken)

    const again = sessionOf(
      await postLogin(auth.url, { email: user.email, password: user.password }),
    )

    expect(await statusOf(me(again.accessToken))).toBe(200)
    expect(await statusOf(refresh(again.refreshToken))).toBe(200)
  })
})
