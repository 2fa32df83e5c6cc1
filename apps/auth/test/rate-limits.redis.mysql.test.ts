import { describe, expect, it } from 'bun:test'
import { waitFor } from '@flash/testing'
import { type Auth, call, SERVICE_TOKEN, startAuth } from './helpers.ts'

const rules = (limit: number, windowSeconds = 60) => ({
  login: { limit, windowSeconds },
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
