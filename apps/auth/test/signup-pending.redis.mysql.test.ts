import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { streamKey } from '@flash/redis'
import { toEntries } from '@flash/streams'
import { type TestDatabase, type TestRedis, testDatabase, testRedis } from '@flash/testing'
import { pendingSignupKey } from '../src/shared/keys.ts'
import { call, postLogin, queuedCode, sessionOf, withToken } from './helpers.ts'
import { startProcess } from './processes.ts'

let database: TestDatabase
let redis: TestRedis
let auth: Awaited<ReturnType<typeof startProcess>>

// Auth as `bun run start` runs it; the per-address limits are far away, since every request comes from 127.0.0.1.
beforeAll(async () => {
  database = await testDatabase()
  redis = await testRedis()
  auth = await startProcess('auth', {
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    SIGNUP_RATE_LIMIT: '1000',
    VERIFY_RATE_LIMIT: '1000',
    LOGIN_RATE_LIMIT: '1000',
  })
})
afterAll(async () => {
  await auth[Symbol.asyncDispose]()
  await redis[Symbol.asyncDispose]()
  await database[Symbol.asyncDispose]()
})

const OWNER_PASSWORD = "the owner's password"
const OTHER_PASSWORD = "somebody else's password"

function newEmail() {
  return `owner-${crypto.randomUUID().slice(0, 8)}@shop.example`
}

function signUp(email: string, password: string, name = 'Owner') {
  return call(auth.url, 'POST', '/auth/signup', { email, password, name })
}

/** The verification e-mails queued for `email` in the `emails` stream the worker sends from. */
async function emailsTo(email: string) {
  const stream = streamKey(redis.space, 0, 'emails')
  return toEntries([[stream, await redis.redis.xrange(stream, '-', '+')]]).filter(
    ({ fields }) => fields?.to === email && fields.kind === 'verification_code',
  )
}

async function canSignIn(email: string, password: string) {
  return (await postLogin(auth.url, { email, password })).status === 200
}

const pendingBody = (minutes: number) => ({
  error: {
    code: 'signup_pending',
    message: `a signup for this address is waiting for its code; it expires in ${minutes} minutes. If you did not start it, do not use the code it e-mailed; sign up again once it has expired`,
  },
})

describe('a second signup for an address whose signup waits for its code', () => {
  it('with another password is answered 409 signup_pending and changes nothing: the code the owner receives makes the account with the first password', async () => {
    const email = newEmail()
    const first = await signUp(email, OWNER_PASSWORD)
    const code = await queuedCode({ redis }, email)

    const second = await signUp(email, OTHER_PASSWORD, 'Somebody Else')
    const mails = await emailsTo(email)
    const verified = await call(auth.url, 'POST', '/auth/verify', { email, code })

    expect({
      first: first.status,
      second: { status: second.status, body: second.body },
      mails: mails.length,
      verified: verified.status,
      owner: await canSignIn(email, OWNER_PASSWORD),
      other: await canSignIn(email, OTHER_PASSWORD),
    }).toEqual({
      first: 202,
      second: { status: 409, body: pendingBody(10) },
      mails: 1,
      verified: 201,
      owner: true,
      other: false,
    })
  })

  it('with the same password re-sends a code for the same signup, three e-mails at most, then 429 rate_limited with Retry-After', async () => {
    const email = newEmail()
    const statuses = [(await signUp(email, OWNER_PASSWORD, 'Owner')).status]
    for (let i = 0; i < 3; i++)
      statuses.push((await signUp(email, OWNER_PASSWORD, 'Renamed')).status)
    const limited = await signUp(email, OWNER_PASSWORD)
    const mails = await emailsTo(email)
    const code = await queuedCode({ redis }, email)

    expect(statuses).toEqual([202, 202, 202, 429])
    expect({ status: limited.status, body: limited.body }).toEqual({
      status: 429,
      body: {
        error: {
          code: 'rate_limited',
          message: expect.stringMatching(/^too many attempts; retry in \d+ s$/),
        },
      },
    })
    const retryAfter = Number(limited.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(600)
    expect(mails).toHaveLength(3)
    // The latest code makes the account, out of the first signup's data.
    expect((await call(auth.url, 'POST', '/auth/verify', { email, code })).status).toBe(201)
    const session = sessionOf(await postLogin(auth.url, { email, password: OWNER_PASSWORD }))
    const me = await withToken(auth.url, 'GET', '/auth/me', session.accessToken)
    expect(me.body).toMatchObject({ email, name: 'Owner' })
  })
})

describe("guessing a waiting signup's password by signing up again", () => {
  it('stops after five second signups, whatever their passwords: the sixth is 429 even with the right one', async () => {
    const email = newEmail()
    await signUp(email, OWNER_PASSWORD)
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await signUp(email, `guess number ${i}`)).status)
    const right = await signUp(email, OWNER_PASSWORD)

    expect({ statuses, right: right.status, mails: (await emailsTo(email)).length }).toEqual({
      statuses: [409, 409, 409, 409, 409],
      right: 429,
      mails: 1,
    })
  })
})

describe('first signups for one address at the same moment', () => {
  it('leave exactly one waiting signup, whose code makes the account with its own password', async () => {
    const email = newEmail()
    const passwords = Array.from({ length: 5 }, (_, i) => `racing password number ${i}`)

    const replies = await Promise.all(passwords.map((password) => signUp(email, password)))
    const mails = await emailsTo(email)
    const code = await queuedCode({ redis }, email)
    const verified = await call(auth.url, 'POST', '/auth/verify', { email, code })
    const signsIn = []
    for (const password of passwords) signsIn.push(await canSignIn(email, password))

    const winner = replies.findIndex((reply) => reply.status === 202)
    expect({
      statuses: replies.map((reply) => reply.status).sort(),
      mails: mails.length,
      verified: verified.status,
      signsIn,
    }).toEqual({
      statuses: [202, 409, 409, 409, 409],
      mails: 1,
      verified: 201,
      signsIn: passwords.map((_, i) => i === winner),
    })
    expect(await redis.redis.hexists(pendingSignupKey(redis.space, email), 'record')).toBe(0)
  })
})
