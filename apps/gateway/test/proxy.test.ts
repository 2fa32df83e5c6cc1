import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { craftToken, testTokens } from '@flash/testing'
import { createGatewayApp } from '../src/app.ts'
import { startUpstream } from './support/stub-upstream.ts'

/** A stand-in app that echoes what reached it, under its name, with 201. */
const startEcho = (name: string) =>
  startUpstream((seen) =>
    Response.json({ upstream: name, ...seen }, { status: 201, headers: { 'x-upstream': name } }),
  )

type Echo = {
  upstream: string
  method: string
  path: string
  body: string
  headers: Record<string, string>
}

/**
 * Every test runs against both deployments: checkout behind the gateway over
 * HTTP, and checkout in the gateway's process (CHECKOUT_IN_PROCESS).
 */
describe.each(['remote', 'in-process'] as const)('checkout %s', (deployment) => {
  let echoes: Record<'auth' | 'catalog' | 'checkout', ReturnType<typeof startEcho>>
  let gateway: ReturnType<ReturnType<typeof createGatewayApp>['listen']>
  let base: string
  const logged: string[] = []

  beforeAll(() => {
    echoes = {
      auth: startEcho('auth'),
      catalog: startEcho('catalog'),
      checkout: startEcho('checkout'),
    }
    gateway = createGatewayApp({
      upstreams: {
        auth: echoes.auth.url,
        catalog: echoes.catalog.url,
        checkout: echoes.checkout.url,
      },
      inProcess: deployment === 'in-process' ? { checkout: echoes.checkout.handle } : undefined,
      tokens: testTokens,
      serviceToken: 'test-service-token',
      maxBodyBytes: 1024,
      timeoutMs: 2000,
      log: (line) => logged.push(line),
    }).listen({ port: 0, hostname: '127.0.0.1' })
    base = `http://127.0.0.1:${gateway.server?.port}`
  })
  afterAll(async () => {
    await gateway.stop(true)
    for (const echo of Object.values(echoes)) await echo[Symbol.asyncDispose]()
  })

  const buyer = async () =>
    `Bearer ${(await testTokens.signAccess({ id: crypto.randomUUID(), role: 'buyer' })).token}`

  describe('the gateway', () => {
    it('hands checkout its requests the way the deployment says', async () => {
      const before = echoes.checkout.seen.length
      const response = await fetch(`${base}/orders/abc`, {
        headers: { authorization: await buyer() },
      })
      expect(response.status).toBe(201)
      expect(echoes.checkout.seen.length).toBe(before + 1)
      // In its process, checkout's handler is called directly: nothing crosses its socket.
      expect(echoes.checkout.calls()).toBe(deployment === 'remote' ? before + 1 : 0)
    })

    it('gives checkout its own credential, whatever the client sent, and the client in X-Forwarded-For', async () => {
      const before = echoes.checkout.seen.length
      await fetch(`${base}/orders/abc`, {
        headers: {
          authorization: await buyer(),
          'x-service-token': 'forged',
          'x-forwarded-for': '203.0.113.9',
        },
      })
      const seen = echoes.checkout.seen.slice(before)
      expect(seen.map((r) => [r.headers['x-service-token'], r.headers['x-forwarded-for']])).toEqual(
        [['test-service-token', '203.0.113.9, 127.0.0.1']],
      )
    })

    it('routes each prefix to its app with method, path, query, headers and body intact', async () => {
      const authorization = await buyer()
      const response = await fetch(`${base}/orders?limit=5`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json', 'idempotency-key': 'k-1' },
        body: '{"saleId":"x","quantity":1}',
      })
      const echoed = (await response.json()) as Echo
      expect(response.status).toBe(201)
      expect(response.headers.get('x-upstream')).toBe('checkout')
      expect(response.headers.get('x-request-id')).toBeTruthy()
      expect({
        upstream: echoed.upstream,
        method: echoed.method,
        path: echoed.path,
        body: echoed.body,
        authorization: echoed.headers.authorization,
        key: echoed.headers['idempotency-key'],
        requestId: echoed.headers['x-request-id'] as string | null | undefined,
      }).toEqual({
        upstream: 'checkout',
        method: 'POST',
        path: '/orders?limit=5',
        body: '{"saleId":"x","quantity":1}',
        authorization,
        key: 'k-1',
        requestId: response.headers.get('x-request-id'),
      })
      const routed = await Promise.all(
        [
          '/auth/login',
          '/products',
          '/products/abc',
          '/sales?status=live',
          '/sales/abc/events',
        ].map(
          async (path) =>
            (
              (await (
                await fetch(`${base}${path}`, { method: path === '/auth/login' ? 'POST' : 'GET' })
              ).json()) as Echo
            ).upstream,
        ),
      )
      expect(routed).toEqual(['auth', 'catalog', 'catalog', 'catalog', 'catalog'])
    })

    it('rejects a missing, forged, expired or alg:none token before forwarding anything', async () => {
      const before =
        echoes.checkout.seen.length + echoes.auth.seen.length + echoes.catalog.seen.length
      const now = Math.floor(Date.now() / 1000)
      const bad = [
        undefined,
        `Bearer ${craftToken({}, { secret: 'not-our-secret-not-our-secret-000' })}`,
        `Bearer ${craftToken({ exp: now - 10, iat: now - 100 })}`,
        `Bearer ${craftToken({}, { alg: 'none' })}`,
        'Bearer not-a-jwt',
      ]
      const targets: [string, string][] = [
        ['POST', '/orders'],
        ['GET', '/orders/abc'],
        ['GET', '/auth/me'],
        ['POST', '/products'],
        ['POST', '/sales'],
      ]
      for (const authorization of bad) {
        for (const [method, path] of targets) {
          const response = await fetch(`${base}${path}`, {
            method,
            headers: authorization ? { authorization } : {},
            body: method === 'POST' ? '{}' : undefined,
          })
          expect({ status: response.status, body: await response.json() }).toEqual({
            status: 401,
            body: { error: { code: 'unauthorized', message: 'a valid bearer token is required' } },
          })
        }
      }
      const after =
        echoes.checkout.seen.length + echoes.auth.seen.length + echoes.catalog.seen.length
      expect(after).toBe(before)
    })

    it('answers 404, 413 and 503 with the API error body', async () => {
      const unknown = await fetch(`${base}/nowhere`)
      const big = await fetch(`${base}/auth/login`, { method: 'POST', body: 'x'.repeat(4096) })
      type ErrorBody = { error: { code: string } }
      const [unknownBody, bigBody] = [
        (await unknown.json()) as ErrorBody,
        (await big.json()) as ErrorBody,
      ]
      expect([unknown.status, unknownBody.error.code, big.status, bigBody.error.code]).toEqual([
        404,
        'not_found',
        413,
        'payload_too_large',
      ])

      const down = createGatewayApp({
        upstreams: {
          auth: 'http://127.0.0.1:9',
          catalog: 'http://127.0.0.1:9',
          checkout: 'http://127.0.0.1:9',
        },
        tokens: testTokens,
        serviceToken: 'test-service-token',
        maxBodyBytes: 1024,
        timeoutMs: 500,
        log: (line) => logged.push(line),
      })
      const response = await down.handle(new Request('http://localhost/products'))
      expect({ status: response.status, body: await response.json() }).toEqual({
        status: 503,
        body: {
          error: { code: 'unavailable', message: 'catalog is unavailable; try again shortly' },
        },
      })
    })

    it('answers a method no app routes (TRACE) itself with 404 and the error body, forwarding nothing', async () => {
      const before =
        echoes.checkout.seen.length + echoes.auth.seen.length + echoes.catalog.seen.length
      const response = await gateway.handle(
        new Request('http://localhost/orders', {
          method: 'TRACE',
          headers: {
            authorization: `Bearer ${(await testTokens.signAccess({ id: 'u1', role: 'buyer' })).token}`,
          },
        }),
      )
      const after =
        echoes.checkout.seen.length + echoes.auth.seen.length + echoes.catalog.seen.length
      expect({
        status: response.status,
        body: await response.json(),
        forwarded: after - before,
      }).toEqual({
        status: 404,
        body: { error: { code: 'not_found', message: 'no route TRACE /orders' } },
        forwarded: 0,
      })
    })
  })
})
