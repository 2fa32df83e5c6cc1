import { describe, expect, it } from 'bun:test'
import { testDatabase, testRedis, waitFor } from '@flash/testing'
import { readPiiKeys } from '../src/env.ts'
import { type Auth, call, createUser, SERVICE_TOKEN, startAuth } from './helpers.ts'
import { startProcess } from './processes.ts'

const rules = (limit: number, windowSeconds = 60) => ({
  login: { limit, windowSeconds },
  loginAccount: { limit: 1_000, windowSeconds },
  signup: { limit, windowSeconds },
  verify: { limit, windowSeconds },
})

/** A request as the gateway forwards it for the client at `ip`, with its credential. */
function from(auth: Auth, ip: string, path: string, body: unknown) {
  return call(auth.url, 'POST', path, body, {
    'x-forwarded-for': ip,
    'x-service-token': SERVICE_TOKEN,
  })
}

const login = (auth: Auth, ip: string, email = 'someone@shop.example') =>
  from(auth, ip, '/auth/login', { email, password: 'not the password' })
const signup = (auth: Auth, ip: string) =>
  from(auth, ip, '/auth/signup', {
    email: `new-${crypto.randomUUID().slice(0, 8)}@shop.example`,
    password: 'a long enough password',
    name: 'Jane',
  })
const verify = (auth: Auth, ip: string) =>
  from(auth, ip, '/auth/verify', { email: 'nobody@shop.example', code: '123456' })

async function statuses(times: number, attempt: () => Promise<{ status: number }>) {
  const seen = []
  for (let i = 0; i < times; i++) seen.push((await attempt()).status)
  return seen
}

describe('rate limits', () => {
  it('limits logins per e-mail and address, with 429 rate_limited and Retry-After', async () => {
    await using auth = await startAuth({ rateLimits: rules(3) })

    const seen = await statuses(3, () => login(auth, '203.0.113.1'))
    const limited = await login(auth, '203.0.113.1')

    expect(seen).toEqual([401, 401, 401])
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
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect((limited.body as { error: { message: string } }).error.message).toContain(
      `retry in ${retryAfter} s`,
    )
    // Another address, or another e-mail from this address, is counted apart.
    expect((await login(auth, '203.0.113.2')).status).toBe(401)
    expect((await login(auth, '203.0.113.1', 'other@shop.example')).status).toBe(401)
    expect(auth.errors).toEqual([])
  })

  it('counts a login e-mail case-insensitively, so letter case does not buy more tries', async () => {
    await using auth = await startAuth({ rateLimits: rules(2) })

    await login(auth, '203.0.113.1', 'Case@Shop.Example')
    await login(auth, '203.0.113.1', 'case@shop.example')

    expect((await login(auth, '203.0.113.1', 'CASE@SHOP.EXAMPLE')).status).toBe(429)
  })

  it('limits signups per address', async () => {
    await using auth = await startAuth({ rateLimits: rules(2) })

    expect(await statuses(3, () => signup(auth, '198.51.100.7'))).toEqual([202, 202, 429])
    expect((await signup(auth, '198.51.100.8')).status).toBe(202)
  })

  it('limits code verifications per address, so codes cannot be guessed across e-mails', async () => {
    await using auth = await startAuth({ rateLimits: rules(2) })

    expect(await statuses(3, () => verify(auth, '198.51.100.7'))).toEqual([400, 400, 429])
    expect((await verify(auth, '198.51.100.8')).status).toBe(400)
  })

  it('lets attempts through again once the window has passed', async () => {
    await using auth = await startAuth({ rateLimits: rules(1, 1) })
    await login(auth, '203.0.113.9')
    expect((await login(auth, '203.0.113.9')).status).toBe(429)

    const after = await waitFor(
      async () => {
        const reply = await login(auth, '203.0.113.9')
        return reply.status !== 429 && reply
      },
      { what: 'the rate window to reset', intervalMs: 100 },
    )

    expect(after.status).toBe(401)
  })

  it('ignores X-Forwarded-For that comes without the gateway credential', async () => {
    await using auth = await startAuth({ rateLimits: rules(2) })

    // Each request claims another address, but they all come from 127.0.0.1 and count there.
    const seen = []
    for (let i = 0; i < 3; i++)
      seen.push(
        (
          await call(
            auth.url,
            'POST',
            '/auth/login',
            { email: 'someone@shop.example', password: 'not the password' },
            { 'x-forwarded-for': `203.0.113.${i}` },
          )
        ).status,
      )

    expect(seen).toEqual([401, 401, 429])
  })

  it('never limits anything when rate limits are off', async () => {
    await using auth = await startAuth()

    expect(await statuses(15, () => login(auth, '203.0.113.1'))).not.toContain(429)
    expect(await statuses(15, () => verify(auth, '203.0.113.1'))).not.toContain(429)
  })
})

describe("rate limits on auth's own port, in a real process", () => {
  /** Auth as `bun run start` runs it, expecting `SERVICE_TOKEN` from the gateway. */
  async function spawnAuth(env: Record<string, string>) {
    const database = await testDatabase()
    const redis = await testRedis()
    const process = await startProcess('auth', {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
      SERVICE_TOKEN,
      ...env,
    })
    return {
      url: process.url,
      database,
      async [Symbol.asyncDispose]() {
        await process[Symbol.asyncDispose]()
        await redis[Symbol.asyncDispose]()
        await database[Symbol.asyncDispose]()
      },
    }
  }

  const post = (url: string, path: string, body: unknown, headers: Record<string, string>) =>
    call(url, 'POST', path, body, headers).then((reply) => reply.status)
  const wrongLogin = { email: 'someone@shop.example', password: 'not the password' }
  const newSignup = () => ({
    email: `new-${crypto.randomUUID().slice(0, 8)}@shop.example`,
    password: 'a long enough password',
    name: 'Jane',
  })

  it('counts logins and signups against the caller whatever X-Forwarded-For says, without the gateway credential or with a wrong one', async () => {
    await using auth = await spawnAuth({ LOGIN_RATE_LIMIT: '3', SIGNUP_RATE_LIMIT: '3' })
    const forged = (i: number) => ({ 'x-forwarded-for': `203.0.113.${i}` })
    const wrongCredential = (i: number) => ({
      ...forged(i),
      'x-service-token': `${SERVICE_TOKEN}x`,
    })

    const logins = []
    for (let i = 0; i < 3; i++)
      logins.push(await post(auth.url, '/auth/login', wrongLogin, forged(i)))
    logins.push(await post(auth.url, '/auth/login', wrongLogin, wrongCredential(3)))
    const signups = []
    for (let i = 0; i < 3; i++)
      signups.push(await post(auth.url, '/auth/signup', newSignup(), forged(i)))
    signups.push(await post(auth.url, '/auth/signup', newSignup(), wrongCredential(3)))

    expect({ logins, signups }).toEqual({
      logins: [401, 401, 401, 429],
      signups: [202, 202, 202, 429],
    })
  }, 60_000)

  it('believes X-Forwarded-For only from a request carrying the gateway credential: then each client address has its own count', async () => {
    await using auth = await spawnAuth({ LOGIN_RATE_LIMIT: '2', SIGNUP_RATE_LIMIT: '2' })
    const gateway = (address: string, credential = SERVICE_TOKEN) => ({
      'x-forwarded-for': `10.9.9.9, ${address}`,
      'x-service-token': credential,
    })
    // The caller itself (127.0.0.1) uses up its count; a wrong credential still counts there.
    for (let i = 0; i < 2; i++) await post(auth.url, '/auth/login', wrongLogin, {})
    const wrongCredential = await post(
      auth.url,
      '/auth/login',
      wrongLogin,
      gateway('203.0.113.9', 'not-the-service-token'),
    )

    const logins = []
    for (const address of ['203.0.113.1', '203.0.113.2', '203.0.113.1', '203.0.113.1'])
      logins.push(await post(auth.url, '/auth/login', wrongLogin, gateway(address)))
    const signups = []
    for (const address of ['198.51.100.1', '198.51.100.1', '198.51.100.1', '198.51.100.2'])
      signups.push(await post(auth.url, '/auth/signup', newSignup(), gateway(address)))

    expect({ wrongCredential, logins, signups }).toEqual({
      wrongCredential: 429,
      logins: [401, 401, 401, 429],
      signups: [202, 202, 429, 202],
    })
  }, 60_000)

  it('limits failed logins per account across every address, counting failures only, and says when to retry', async () => {
    await using auth = await spawnAuth({ LOGIN_RATE_LIMIT: '10', LOGIN_ACCOUNT_RATE_LIMIT: '4' })
    const user = await createUser({ database: auth.database, pii: readPiiKeys({}) })
    const from = (address: string) => ({
      'x-forwarded-for': address,
      'x-service-token': SERVICE_TOKEN,
    })
    const attempt = (password: string, address: string) =>
      call(auth.url, 'POST', '/auth/login', { email: user.email, password }, from(address))

    const owner = []
    for (let i = 0; i < 5; i++) owner.push((await attempt(user.password, '192.0.2.1')).status)
    // Each guess from an address of its own: no address comes near its limit of 10.
    const guesses = []
    for (let i = 1; i <= 5; i++)
      guesses.push((await attempt('a wrong guess', `203.0.113.${i}`)).status)
    const ownerAfter = await attempt(user.password, '192.0.2.1')

    expect({ owner, guesses, ownerAfter: ownerAfter.status }).toEqual({
      owner: [200, 200, 200, 200, 200],
      guesses: [401, 401, 401, 401, 429],
      // The account is closed to new logins until the window ends, whoever asks (see README).
      ownerAfter: 429,
    })
    expect(Number(ownerAfter.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
  }, 60_000)
})
