import { describe, expect, it } from 'bun:test'
import { testDatabase, testRedis, waitFor } from '@flash/testing'
import { call } from './helpers.ts'
import { startProcess } from './processes.ts'

type Email = { to: string[]; subject: string; text: string | null }

/**
 * The whole service as separate processes, as `bun run start` runs it: the
 * sandbox (standing in for Resend), the worker that sends the e-mail, auth,
 * checkout and the gateway, on one database and Redis prefix of this test.
 */
async function wholeSystem() {
  const database = await testDatabase()
  const redis = await testRedis()
  const shared = { DATABASE_URL: database.url, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix }
  const sandbox = await startProcess('sandbox', { SANDBOX_DECLINE_RATE: '0' })
  const worker = spawnWorker({ ...shared, PAYMENT_URL: sandbox.url, RESEND_BASE_URL: sandbox.url })
  const checkout = await startProcess('checkout', shared)
  const auth = await startProcess('auth', {
    ...shared,
    CHECKOUT_URL: checkout.url,
    RATE_LIMITS: 'off',
  })
  const gateway = await startProcess('gateway', {
    ...shared,
    AUTH_URL: auth.url,
    CHECKOUT_URL: checkout.url,
    CATALOG_URL: 'http://127.0.0.1:9',
  })
  return {
    sandbox,
    auth,
    checkout,
    gateway,
    async [Symbol.asyncDispose]() {
      for (const process of [gateway, checkout, auth, worker, sandbox])
        await process[Symbol.asyncDispose]()
      await redis[Symbol.asyncDispose]()
      await database[Symbol.asyncDispose]()
    },
  }
}

/** The worker has no HTTP port; it is up once it consumes, which the e-mail shows. */
function spawnWorker(env: Record<string, string>) {
  const child = Bun.spawn(['bun', 'apps/worker/src/index.ts'], {
    cwd: new URL('../../..', import.meta.url).pathname,
    env: { ...Bun.env, ...env, SCHEDULES: 'off', WORKER_NAME: 'signup-flow' },
    stdout: Bun.env.TEST_APP_LOGS ? 'inherit' : 'ignore',
    stderr: 'inherit',
  })
  return {
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await child.exited
    },
  }
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('signing up through the gateway, with the code from the e-mail', () => {
  it('creates the account from the e-mailed code, signs in, shows the profile, and logs out everywhere at once', async () => {
    await using system = await wholeSystem()
    const { gateway, sandbox } = system
    const address = `Jane.${crypto.randomUUID().slice(0, 8)}@Shop.Example`
    const email = address.toLowerCase()
    const profile = { name: 'Jane Doe', phone: '+82 10-5555-0123', address: '1 Test Street, Seoul' }

    const signup = await call(gateway.url, 'POST', '/auth/signup', {
      email: address,
      password: 'a long enough password',
      ...profile,
    })
    expect({ status: signup.status, body: signup.body }).toEqual({
      status: 202,
      body: { status: 'verification_sent' },
    })

    const [mail] = await waitFor(
      async () => {
        const inbox = (await (await fetch(`${sandbox.url}/emails?to=${email}`)).json()) as {
          items: Email[]
        }
        return inbox.items.length > 0 && inbox.items
      },
      { what: 'the verification e-mail to reach the sandbox', timeoutMs: 30_000 },
    )
    expect(mail).toMatchObject({
      to: [email],
      subject: expect.stringMatching(/^Your verification code: \d{6}$/),
    })
    const code = /(\d{6})/.exec(mail?.text ?? '')?.[1] ?? ''

    const verified = await call(gateway.url, 'POST', '/auth/verify', { email: address, code })
    expect(verified.status).toBe(201)
    const { userId } = verified.body as { userId: string }

    const login = await call(gateway.url, 'POST', '/auth/login', {
      email,
      password: 'a long enough password',
    })
    expect(login.status).toBe(200)
    const { accessToken } = login.body as { accessToken: string }

    const me = await call(gateway.url, 'GET', '/auth/me', undefined, bearer(accessToken))
    expect({ status: me.status, body: me.body }).toEqual({
      status: 200,
      body: { id: userId, email, ...profile, orders: [], ordersAvailable: true },
    })

    // The internal route is not reachable through the gateway at all, credential or not.
    const internal = `/internal/users/${userId}/orders`
    const throughGateway = await call(gateway.url, 'GET', internal, undefined, {
      'x-service-token': 'dev-only-service-token-change-me-0123456789',
    })
    const direct = await call(system.checkout.url, 'GET', internal)
    expect([throughGateway.status, direct.status]).toEqual([404, 401])

    const logout = await call(gateway.url, 'POST', '/auth/logout', undefined, bearer(accessToken))
    expect(logout.status).toBe(204)
    const order = `/orders/${crypto.randomUUID()}`
    const after = await Promise.all([
      call(gateway.url, 'GET', '/auth/me', undefined, bearer(accessToken)),
      call(gateway.url, 'GET', order, undefined, bearer(accessToken)),
      call(system.auth.url, 'GET', '/auth/me', undefined, bearer(accessToken)),
      call(system.checkout.url, 'GET', order, undefined, bearer(accessToken)),
    ])
    expect(after.map((reply) => reply.status)).toEqual([401, 401, 401, 401])

    const inbox = (await (await fetch(`${sandbox.url}/emails?to=${email}`)).json()) as {
      items: Email[]
    }
    expect(inbox.items).toHaveLength(1)
  }, 90_000)

  it('sends the verification e-mail it promises: a new code replaces the one before, and no account exists until one is entered', async () => {
    await using system = await wholeSystem()
    const { gateway, sandbox } = system
    const email = `twice.${crypto.randomUUID().slice(0, 8)}@shop.example`
    const body = { email, password: 'a long enough password', name: 'Twice' }
    const inbox = (count: number) =>
      waitFor(
        async () => {
          const { items } = (await (await fetch(`${sandbox.url}/emails?to=${email}`)).json()) as {
            items: Email[]
          }
          return items.length >= count && items
        },
        { what: `${count} verification e-mails in the sandbox`, timeoutMs: 30_000 },
      )

    await call(gateway.url, 'POST', '/auth/signup', body)
    const [first] = await inbox(1)
    await call(gateway.url, 'POST', '/auth/signup', body)
    const [newest] = await inbox(2)
    const codeOf = (mail: Email | undefined) => /(\d{6})/.exec(mail?.text ?? '')?.[1] ?? ''
    const beforeAny = await call(gateway.url, 'POST', '/auth/login', body)
    const older = await call(gateway.url, 'POST', '/auth/verify', { email, code: codeOf(first) })
    const latest = await call(gateway.url, 'POST', '/auth/verify', { email, code: codeOf(newest) })

    expect({
      text: newest?.text,
      beforeAny: beforeAny.status,
      older: older.status,
      latest: latest.status,
    }).toEqual({
      text: `Your flash-sale verification code is ${codeOf(newest)}. Entering it creates the account just asked for with this address, with the password chosen then; it expires within 10 minutes and replaces any code sent before. If you did not sign up, ignore this e-mail and do not enter the code: no account is made without it.`,
      beforeAny: 401,
      older: 400,
      latest: 201,
    })
  }, 90_000)
})
