import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { testTokens } from '@flash/testing'
import type { Identity } from '@flash/tokens'
import { createGatewayApp } from '../src/app.ts'

/** An upstream that counts what reaches it. */
const reached: string[] = []
let upstream: ReturnType<typeof Bun.serve>
let gateway: ReturnType<ReturnType<typeof createGatewayApp>['listen']>
let base: string
let revoked: (identity: Identity) => Promise<boolean> = async () => false
const logged: string[] = []

beforeAll(() => {
  upstream = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch(request) {
      reached.push(new URL(request.url).pathname)
      return Response.json({ ok: true })
    },
  })
  const url = `http://127.0.0.1:${upstream.port}`
  gateway = createGatewayApp({
    upstreams: { auth: url, catalog: url, checkout: url },
    tokens: testTokens,
    serviceToken: 'test-service-token',
    maxBodyBytes: 1024,
    timeoutMs: 2000,
    isRevoked: (identity) => revoked(identity),
    log: (line) => logged.push(line),
  }).listen({ port: 0, hostname: '127.0.0.1' })
  base = `http://127.0.0.1:${gateway.server?.port}`
})
afterAll(async () => {
  await gateway.stop(true)
  await upstream.stop(true)
})

async function get(path: string, token: string) {
  const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } })
  return {
    status: response.status,
    body: (await response.json()) as { error: { code: string; message: string } },
  }
}

describe('the gateway’s revocation check', () => {
  it('forwards a token that is not revoked, after asking about exactly that token', async () => {
    const asked: string[] = []
    revoked = async (identity) => {
      asked.push(identity.tokenId)
      return false
    }
    const { token, tokenId } = await testTokens.signAccess({ id: 'u1', role: 'buyer' })

    expect((await get('/auth/me', token)).status).toBe(200)
    expect(asked).toEqual([tokenId])
  })

  it('leaves logout on /orders to checkout, which checks it on every route itself', async () => {
    revoked = async () => {
      throw new Error('must not be asked')
    }
    const before = reached.length
    const { token } = await testTokens.signAccess({ id: 'u1', role: 'buyer' })

    expect((await get('/orders/x', token)).status).toBe(200)
    expect(reached.length).toBe(before + 1)
  })

  it('refuses a revoked token with 401 before any app sees the request', async () => {
    revoked = async () => true
    const before = reached.length
    const { token } = await testTokens.signAccess({ id: 'u1', role: 'buyer' })

    const replies = [await get('/auth/me', token), await get('/auth/sessions', token)]

    expect(replies).toEqual(
      Array.from({ length: 2 }, () => ({
        status: 401,
        body: { error: { code: 'unauthorized', message: 'this session has ended; sign in again' } },
      })),
    )
    expect(reached.length).toBe(before)
  })

  it('answers 503 and forwards nothing when revocation cannot be checked', async () => {
    revoked = async () => {
      throw new Error('redis is down')
    }
    const before = reached.length
    const { token } = await testTokens.signAccess({ id: 'u1', role: 'buyer' })

    const reply = await get('/auth/me', token)

    expect(reply.status).toBe(503)
    expect(reply.body.error.code).toBe('unavailable')
    expect(reached.length).toBe(before)
    expect(logged.at(-1)).toBe('[gateway] cannot check token revocation: Error: redis is down')
  })

  it('does not check revocation on public routes', async () => {
    revoked = async () => {
      throw new Error('must not be asked')
    }

    const response = await fetch(`${base}/auth/login`, { method: 'POST', body: '{}' })

    expect(response.status).toBe(200)
  })

  it('answers 404 to /internal, with or without a service credential', async () => {
    const before = reached.length

    const replies = await Promise.all(
      (
        [{}, { 'x-service-token': 'dev-only-service-token-change-me-0123456789' }] as Record<
          string,
          string
        >[]
      ).map(
        async (headers: Record<string, string>) =>
          (await fetch(`${base}/internal/users/u1/orders`, { headers })).status,
      ),
    )

    expect(replies).toEqual([404, 404])
    expect(reached.length).toBe(before)
  })
})
