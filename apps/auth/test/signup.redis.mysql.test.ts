import { afterAll, afterEach, beforeAll, describe, expect, it } from 'bun:test'
import { streamKey } from '@flash/redis'
import { toEntries } from '@flash/streams'
import { testTokens, waitFor } from '@flash/testing'
import { createAccount } from '../src/modules/accounts/service.ts'
import { pendingSignupKey } from '../src/shared/keys.ts'
import {
  type Auth,
  call,
  createUser,
  postLogin,
  queuedCode,
  rawUser,
  sessionOf,
  startAuth,
  withToken,
} from './helpers.ts'

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

const invalidCode = {
  error: {
    code: 'invalid_code',
    message: 'the code is wrong, has expired or was tried too often; sign up again for a new one',
  },
}

function newEmail() {
  return `jane-${crypto.randomUUID().slice(0, 8)}@shop.example`
}

function signUp(url: string, body: Record<string, unknown>) {
  return call(url, 'POST', '/auth/signup', {
    password: 'a long enough password',
    name: 'Jane Doe',
    ...body,
  })
}

function verify(url: string, email: string, code: string) {
  return call(url, 'POST', '/auth/verify', { email, code })
}

/** Another 6-digit code than `code`. */
function wrong(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0')
}

describe('POST /auth/signup', () => {
  it('answers 202 and queues one verification e-mail with a 6-digit code for the worker', async () => {
    const email = newEmail()

    const reply = await signUp(auth.url, { email })

    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 202,
      body: { status: 'verification_sent' },
    })
    const stream = streamKey(auth.redis.space, 0, 'emails')
    const mine = toEntries([[stream, await auth.redis.redis.xrange(stream, '-', '+')]])
      .map(({ fields }) => fields ?? {})
      .filter((event) => event.to === email)
    expect(mine).toEqual([
      {
        type: 'email.requested',
        kind: 'verification_code',
        key: expect.stringMatching(/^verification_code:[0-9a-f-]{36}$/),
        to: email,
        data: expect.stringMatching(/^\{"code":"[0-9]{6}"\}$/),
      },
    ])
  })

  it('keeps the pending signup encrypted in Redis, without the code, the password or the name', async () => {
    const email = newEmail()
    await signUp(auth.url, { email, name: 'Jane Doe', phone: '+82 10-1234-5678' })
    const code = await queuedCode(auth, email)

    const stored = await auth.redis.redis.hgetall(pendingSignupKey(auth.redis.space, email))
    const ttl = await auth.redis.redis.ttl(pendingSignupKey(auth.redis.space, email))

    expect(stored).toEqual({ record: expect.stringMatching(/^v1\.t1\./), tries: '0', sends: '1' })
    for (const secret of [code, 'Jane', '1234', 'a long enough password', email])
      expect(JSON.stringify(stored)).not.toContain(secret)
    expect(ttl).toBeGreaterThan(590)
    expect(ttl).toBeLessThanOrEqual(600)
  })

  it('answers 409 email_taken when an account has the e-mail, whatever its letter case', async () => {
    const user = await createUser(auth)

    const reply = await signUp(auth.url, { email: user.email.toUpperCase() })

    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 409,
      body: {
        error: {
          code: 'email_taken',
          message: 'an account with this e-mail already exists; sign in',
        },
      },
    })
  })

  it('refuses a password under 10 characters and says so', async () => {
    const reply = await signUp(auth.url, { email: newEmail(), password: 'short1234' })

    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 400,
      body: {
        error: {
          code: 'invalid_request',
          message: 'body.password: expected string length greater or equal to 10',
        },
      },
    })
  })
})

describe('POST /auth/verify', () => {
  it('creates the account with the e-mailed code, and the new buyer can sign in', async () => {
    const email = newEmail()
    await signUp(auth.url, {
      email: email.toUpperCase(),
      name: 'Jane Doe',
      phone: '+82 10-1234-5678',
      address: '1 Test Street, Seoul',
    })

    const reply = await verify(auth.url, email, await queuedCode(auth, email))

    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 201,
      body: { userId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    })
    const { userId } = reply.body as { userId: string }
    const row = await rawUser(auth, userId)
    expect(row).toEqual({
      id: userId,
      email,
      passwordHash: expect.stringMatching(/^\$argon2id\$v=19\$m=19456,t=2,/),
      role: 'buyer',
      nameEnc: expect.stringMatching(/^v1\.t1\./),
      phoneEnc: expect.stringMatching(/^v1\.t1\./),
      addressEnc: expect.stringMatching(/^v1\.t1\./),
      createdAt: expect.any(Date),
      updatedAt: expect.any(Date),
    })
    const session = sessionOf(
      await postLogin(auth.url, { email, password: 'a long enough password' }),
    )
    const me = await withToken(auth.url, 'GET', '/auth/me', session.accessToken)
    expect(me.body).toEqual({
      id: userId,
      email,
      name: 'Jane Doe',
      phone: '+82 10-1234-5678',
      address: '1 Test Street, Seoul',
      orders: [],
      ordersAvailable: true,
    })
    expect((await testTokens.verifyAccess(session.accessToken))?.role).toBe('buyer')
  })

  it('accepts a code only once', async () => {
    const email = newEmail()
    await signUp(auth.url, { email })
    const code = await queuedCode(auth, email)

    const first = await verify(auth.url, email, code)
    const second = await verify(auth.url, email, code)

    expect([first.status, second.status, second.body]).toEqual([201, 400, invalidCode])
  })

  it('makes one account when the right code is sent twice at once', async () => {
    const email = newEmail()
    await signUp(auth.url, { email })
    const code = await queuedCode(auth, email)

    const replies = await Promise.all(
      Array.from({ length: 5 }, () => verify(auth.url, email, code)),
    )

    expect(replies.map((reply) => reply.status).sort()).toEqual([201, 400, 400, 400, 400])
  })

  it('refuses a wrong code with invalid_code and still takes the right one after it', async () => {
    const email = newEmail()
    await signUp(auth.url, { email })
    const code = await queuedCode(auth, email)

    const wrongReply = await verify(auth.url, email, wrong(code))
    const right = await verify(auth.url, email, code)

    expect({ status: wrongReply.status, body: wrongReply.body }).toEqual({
      status: 400,
      body: invalidCode,
    })
    expect(right.status).toBe(201)
  })

  it('gives up after 5 tries: the right code is refused once 5 wrong ones were tried', async () => {
    const email = newEmail()
    await signUp(auth.url, { email })
    const code = await queuedCode(auth, email)

    const tries = []
    for (let i = 0; i < 5; i++) tries.push((await verify(auth.url, email, wrong(code))).status)
    const afterwards = await verify(auth.url, email, code)

    expect(tries).toEqual([400, 400, 400, 400, 400])
    expect({ status: afterwards.status, body: afterwards.body }).toEqual({
      status: 400,
      body: invalidCode,
    })
    expect(
      await auth.redis.redis.hexists(pendingSignupKey(auth.redis.space, email), 'record'),
    ).toBe(0)
  })

  it('takes the right code on the fifth try', async () => {
    const email = newEmail()
    await signUp(auth.url, { email })
    const code = await queuedCode(auth, email)

    for (let i = 0; i < 4; i++) await verify(auth.url, email, wrong(code))

    expect((await verify(auth.url, email, code)).status).toBe(201)
  })

  it('gives a retry with the same password a new code for the same signup, keeping its data, its tries and its expiry', async () => {
    const email = newEmail()
    await signUp(auth.url, { email, name: 'First' })
    const oldCode = await queuedCode(auth, email)
    for (let i = 0; i < 3; i++) await verify(auth.url, email, wrong(oldCode))
    const key = pendingSignupKey(auth.redis.space, email)
    // An expiry no retry could reach again, so that keeping it shows.
    await auth.redis.redis.expire(key, 300)
    const retry = await signUp(auth.url, { email, name: 'Second' })
    const newCode = await queuedCode(auth, email)

    const old = oldCode === newCode ? { status: 400 } : await verify(auth.url, email, oldCode)
    const ttl = await auth.redis.redis.ttl(key)
    const fresh = await verify(auth.url, email, newCode)

    // Three wrong tries and the old code make four of five: the new code is the fifth.
    expect([retry.status, old.status, fresh.status]).toEqual([202, 400, 201])
    expect(ttl).toBeLessThanOrEqual(300)
    const { userId } = fresh.body as { userId: string }
    const session = sessionOf(
      await postLogin(auth.url, { email, password: 'a long enough password' }),
    )
    const me = await withToken(auth.url, 'GET', '/auth/me', session.accessToken)
    expect(me.body as { id: string; name: string }).toMatchObject({ id: userId, name: 'First' })
  })

  it('refuses a code for an e-mail that never signed up', async () => {
    const reply = await verify(auth.url, newEmail(), '123456')

    expect({ status: reply.status, body: reply.body }).toEqual({ status: 400, body: invalidCode })
  })

  it('refuses a code whose signup has expired', async () => {
    await using short = await startAuth({ verification: { ttlSeconds: 1, maxTries: 5 } })
    const email = newEmail()
    await signUp(short.url, { email })
    const code = await queuedCode(short, email)

    await waitFor(
      async () =>
        (await short.redis.redis.exists(pendingSignupKey(short.redis.space, email))) === 0,
      { what: 'the pending signup to expire' },
    )
    const reply = await verify(short.url, email, code)

    expect({ status: reply.status, body: reply.body }).toEqual({ status: 400, body: invalidCode })
  })

  it('answers 409 email_taken when the e-mail got an account between signup and verify', async () => {
    const email = newEmail()
    await signUp(auth.url, { email })
    const code = await queuedCode(auth, email)
    // Made meanwhile by another path (the seed, an admin): the e-mail is no longer free.
    await createAccount(
      { db: auth.database.db, pii: auth.pii },
      { email, passwordHash: 'x', role: 'buyer', name: 'Other', phone: null, address: null },
    )

    const reply = await verify(auth.url, email, code)

    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 409,
      body: {
        error: {
          code: 'email_taken',
          message: 'an account with this e-mail already exists; sign in',
        },
      },
    })
  })
})
