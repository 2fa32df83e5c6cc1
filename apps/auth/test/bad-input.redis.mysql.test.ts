import { afterAll, afterEach, beforeAll, describe, expect, it } from 'bun:test'
import { type Auth, call, MAX_BODY_BYTES, signedIn, startAuth } from './helpers.ts'

let auth: Auth
let token = ''

beforeAll(async () => {
  auth = await startAuth()
  token = (await signedIn(auth)).session.accessToken
})
afterAll(async () => {
  await auth[Symbol.asyncDispose]()
})
afterEach(() => {
  // Nothing a client sends may become a server-side failure (a logged 500).
  expect(auth.errors).toEqual([])
})

const long = (n: number) => 'x'.repeat(n)
const email = 'jane@shop.example'
const password = 'a long enough password'

/** Bodies no route accepts. */
const anyRoute: [string, unknown][] = [
  ['malformed JSON', '{"email":'],
  ['a form body', 'email=a@b.co&password=x'],
  ['a JSON array', [1, 2]],
  ['a JSON string', '"hello"'],
  ['JSON null', 'null'],
  ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
]

const byRoute: Record<string, [string, unknown][]> = {
  '/auth/signup': [
    ['an empty body', ''],
    ['no e-mail', { password, name: 'Jane' }],
    ['an e-mail that is not an address', { email: 'jane', password, name: 'Jane' }],
    ['an e-mail over 254 characters', { email: `${long(250)}@x.io`, password, name: 'Jane' }],
    ['a short password', { email, password: 'short', name: 'Jane' }],
    ['a password over 200 characters', { email, password: long(201), name: 'Jane' }],
    ['a password that is a number', { email, password: 1234567890123, name: 'Jane' }],
    ['no name', { email, password }],
    ['an empty name', { email, password, name: '' }],
    ['a name over 200 characters', { email, password, name: long(201) }],
    ['a phone with letters', { email, password, name: 'J', phone: 'call me' }],
    ['an address over 500 characters', { email, password, name: 'J', address: long(501) }],
    ['a name that is an object', { email, password, name: { first: 'J' } }],
  ],
  '/auth/verify': [
    ['an empty body', ''],
    ['no code', { email }],
    ['a 5-digit code', { email, code: '12345' }],
    ['a 7-digit code', { email, code: '1234567' }],
    ['a code with letters', { email, code: '12a456' }],
    ['a numeric code', { email, code: 123456 }],
    ['no e-mail', { code: '123456' }],
  ],
  '/auth/login': [
    ['an empty body', ''],
    ['no password', { email }],
    ['an e-mail that is not a string', { email: 42, password }],
  ],
  '/auth/refresh': [
    ['an empty body', ''],
    ['no refresh token', {}],
    ['an empty refresh token', { refreshToken: '' }],
    ['a refresh token that is a number', { refreshToken: 42 }],
    ['a refresh token over 2048 characters', { refreshToken: long(2049) }],
  ],
}

function send(path: string, body: unknown, headers: Record<string, string> = {}) {
  if (body instanceof Uint8Array)
    return fetch(`${auth.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    }).then(async (response) => ({ status: response.status, body: await response.json() }))
  return call(auth.url, 'POST', path, body, { 'content-type': 'application/json', ...headers })
}

/** A 4xx `status` with exactly the API's error body (and `code`, when given). */
function expectApiError(reply: { status: number; body: unknown }, status: number, code?: string) {
  const body = reply.body as { error?: { code?: unknown; message?: unknown } } | null
  expect({
    status: reply.status,
    fields: Object.keys(body ?? {}),
    code: typeof body?.error?.code,
    message: typeof body?.error?.message,
  }).toEqual({ status, fields: ['error'], code: 'string', message: 'string' })
  if (code) expect(body?.error?.code).toBe(code)
}

describe('bad input on every auth route', () => {
  for (const path of Object.keys(byRoute)) {
    it.each([...anyRoute, ...(byRoute[path] ?? [])])(
      `answers 400 invalid_request to ${path} with %s`,
      async (_, body) => {
        const reply = await send(path, body)

        expectApiError(reply, 400, 'invalid_request')
      },
    )

    it(`answers 413 payload_too_large to ${path} with a body over MAX_BODY_BYTES`, async () => {
      const reply = await send(path, { email, password: long(MAX_BODY_BYTES) })

      expectApiError(reply, 413, 'payload_too_large')
    })
  }

  it.each([
    ['no Authorization header', {}],
    ['a Basic credential', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['a bearer of garbage', { authorization: 'Bearer not.a.jwt' }],
    ['a lower-case scheme', { authorization: `bearer ${'x'}` }],
    ['two tokens', { authorization: 'Bearer a.b.c Bearer d.e.f' }],
  ])('answers 401 unauthorized on every bearer route to %s', async (_, headers) => {
    for (const [method, path] of [
      ['GET', '/auth/me'],
      ['POST', '/auth/logout'],
      ['POST', '/auth/logout-all'],
    ] as const) {
      const reply = await call(auth.url, method, path, undefined, headers)

      expectApiError(reply, 401, 'unauthorized')
    }
  })

  it('answers 4xx with the API body to a bearer route sent a malformed body', async () => {
    for (const path of ['/auth/logout', '/auth/logout-all']) {
      const reply = await send(path, '{"oops":', { authorization: `Bearer ${token}` })

      expectApiError(reply, 400)
    }
  })

  it('answers 404 not_found with the API body to an unknown auth route and method', async () => {
    const unknown = await call(auth.url, 'POST', '/auth/nothing', {})
    const wrongMethod = await call(auth.url, 'GET', '/auth/signup')

    expectApiError(unknown, 404, 'not_found')
    expectApiError(wrongMethod, 404, 'not_found')
  })
})
