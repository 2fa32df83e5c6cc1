import { users } from '@flash/db'
import type { Db } from '@flash/db/client'
import { testDatabase, testTokens } from '@flash/testing'
import { createAuthApp } from '../src/app.ts'
import type { Session } from '../src/modules/sessions/model.ts'
import { hashPassword } from '../src/password.ts'

export const MAX_BODY_BYTES = 16 * 1024

/**
 * An auth app on a database of its own, listening on a free port so tests go
 * through real HTTP. It signs with `testTokens`, the development defaults.
 */
export async function startAuth() {
  const database = await testDatabase()
  const errors: string[] = []
  const app = createAuthApp({
    db: database.db,
    tokens: testTokens,
    maxBodyBytes: MAX_BODY_BYTES,
    log: (line) => errors.push(line),
  }).listen({ port: 0, hostname: '127.0.0.1' })
  return {
    url: `http://127.0.0.1:${app.server?.port}`,
    database,
    /** What the app logged as a server-side failure; a client mistake must add nothing. */
    errors,
    async [Symbol.asyncDispose]() {
      await app.stop(true)
      await database[Symbol.asyncDispose]()
    },
  }
}

/** A user with a random e-mail (stored lower-cased, like every account). */
export async function createUser(
  db: Db,
  input: { role?: 'admin' | 'buyer'; password?: string } = {},
) {
  const user = {
    id: Bun.randomUUIDv7(),
    email: `user-${crypto.randomUUID().slice(0, 8)}@test.local`,
    password: input.password ?? 'correct horse battery staple',
    role: input.role ?? ('buyer' as const),
  }
  const now = new Date()
  await db.insert(users).values({
    id: user.id,
    email: user.email,
    passwordHash: await hashPassword(user.password),
    role: user.role,
    name: 'Test User',
    createdAt: now,
    updatedAt: now,
  })
  return user
}

/** POST /auth/login with any body: a value is sent as JSON, a string or stream as is. */
export async function postLogin(
  url: string,
  body: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) {
  const raw = typeof body === 'string' || body instanceof ReadableStream
  const response = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers,
    body: raw ? body : JSON.stringify(body),
  })
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : null) as unknown,
  }
}

/** The session of a successful login; anything else fails the test with what came back. */
export function sessionOf(reply: { status: number; body: unknown }): Session {
  if (reply.status !== 200)
    throw new Error(`expected a session, got ${reply.status} ${JSON.stringify(reply.body)}`)
  return reply.body as Session
}
