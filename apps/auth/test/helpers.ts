import { randomBytes } from 'node:crypto'
import { users } from '@flash/db'
import { streamKey } from '@flash/redis'
import { toEntries } from '@flash/streams'
import { testDatabase, testRedis, testTokens } from '@flash/testing'
import { eq } from 'drizzle-orm'
import { createAuthApp } from '../src/app.ts'
import type { Verification } from '../src/deps.ts'
import { createAccount } from '../src/modules/accounts/service.ts'
import type { RecentOrders } from '../src/modules/me/recent-orders.ts'
import type { Session } from '../src/modules/sessions/model.ts'
import { hashPassword } from '../src/shared/password.ts'
import { type Keyring, parseKeyring } from '../src/shared/pii/keyring.ts'
import type { AuthRateLimits } from '../src/shared/rate-limit.ts'

export const MAX_BODY_BYTES = 16 * 1024

/** A keyring of fresh random keys, `ids[0]` current. */
export function testKeyring(...ids: string[]): Keyring {
  const spec = (ids.length ? ids : ['t1'])
    .map((id) => `${id}:${randomBytes(32).toString('base64')}`)
    .join(',')
  return parseKeyring(spec)._unsafeUnwrap()
}

export type AuthOptions = {
  rateLimits?: AuthRateLimits
  recentOrders?: RecentOrders
  verification?: Partial<Verification>
  pii?: Keyring
}

/** The credential `startAuth`'s app expects from the gateway. */
export const SERVICE_TOKEN = 'auth-test-service-token'

/**
 * An auth app on a database and key prefix of its own, listening on a free
 * port so tests go through real HTTP. It signs with `testTokens` (the
 * development secret, 1 h tokens); rate limits are off unless a test is about them.
 */
export async function startAuth(options: AuthOptions = {}) {
  const database = await testDatabase()
  const redis = await testRedis()
  const pii = options.pii ?? testKeyring()
  const errors: string[] = []
  const app = createAuthApp({
    db: database.db,
    redis: redis.redis,
    space: redis.space,
    tokens: testTokens,
    accessTtlSeconds: 3600,
    pii,
    rateLimits: options.rateLimits ?? null,
    serviceToken: SERVICE_TOKEN,
    recentOrders: options.recentOrders ?? (async () => ({ orders: [], available: true })),
    verification: options.verification,
    maxBodyBytes: MAX_BODY_BYTES,
    log: (line) => errors.push(line),
  }).listen({ port: 0, hostname: '127.0.0.1' })
  return {
    url: `http://127.0.0.1:${app.server?.port}`,
    database,
    redis,
    pii,
    /** What the app logged as a server-side failure; a client mistake must add nothing. */
    errors,
    async [Symbol.asyncDispose]() {
      await app.stop(true)
      await redis[Symbol.asyncDispose]()
      await database[Symbol.asyncDispose]()
    },
  }
}

export type Auth = Awaited<ReturnType<typeof startAuth>>

/** A buyer (or admin) with a random e-mail, made the way every account is. */
export async function createUser(
  auth: Pick<Auth, 'database' | 'pii'>,
  input: { role?: 'admin' | 'buyer'; password?: string; name?: string } = {},
) {
  const email = `user-${crypto.randomUUID().slice(0, 8)}@test.local`
  const password = input.password ?? 'correct horse battery staple'
  const role = input.role ?? ('buyer' as const)
  const created = await createAccount(
    { db: auth.database.db, pii: auth.pii },
    {
      email,
      passwordHash: await hashPassword(password),
      role,
      name: input.name ?? 'Test User',
      phone: null,
      address: null,
    },
  )
  return { id: created._unsafeUnwrap().userId, email, password, role }
}

export type Reply = { status: number; headers: Headers; body: unknown }

/**
 * Any request to the app: a body value is sent as JSON, a string or stream as is.
 *
 * @example
 * await call(auth.url, 'POST', '/auth/refresh', { refreshToken })
 */
export async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const raw = typeof body === 'string' || body instanceof ReadableStream
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body:
      body === undefined
        ? undefined
        : raw
          ? (body as string | ReadableStream)
          : JSON.stringify(body),
  })
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : null) as unknown,
  }
}

/** POST /auth/login with any body. */
export function postLogin(
  url: string,
  body: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) {
  return call(url, 'POST', '/auth/login', body, headers)
}

/** A GET or POST carrying an access token. */
export function withToken(url: string, method: string, path: string, token: string) {
  return call(url, method, path, undefined, { authorization: `Bearer ${token}` })
}

/** The session of a successful login or refresh; anything else fails the test with what came back. */
export function sessionOf(reply: { status: number; body: unknown }): Session {
  if (reply.status !== 200)
    throw new Error(`expected a session, got ${reply.status} ${JSON.stringify(reply.body)}`)
  return reply.body as Session
}

/** Logs a fresh user in; answers the user and the session. */
export async function signedIn(auth: Auth) {
  const user = await createUser(auth)
  const session = sessionOf(
    await postLogin(auth.url, { email: user.email, password: user.password }),
  )
  return { user, session }
}

/**
 * The code of the latest verification e-mail queued for `email`, read from
 * the `emails` stream the worker consumes (the whole-system test reads it
 * from the sandbox's inbox instead).
 */
export async function queuedCode(auth: Pick<Auth, 'redis'>, email: string): Promise<string> {
  const stream = streamKey(auth.redis.space, 0, 'emails')
  const entries = toEntries([[stream, await auth.redis.redis.xrange(stream, '-', '+')]])
  for (const { fields: event } of entries.reverse())
    if (event?.to === email) return (JSON.parse(event.data ?? '{}') as { code: string }).code
  throw new Error(`no verification e-mail queued for ${email}`)
}

/** The stored row of a user, as a raw SELECT sees it. */
export async function rawUser(auth: Pick<Auth, 'database'>, id: string) {
  const [row] = await auth.database.db.select().from(users).where(eq(users.id, id))
  if (!row) throw new Error(`no user ${id}`)
  return row
}
