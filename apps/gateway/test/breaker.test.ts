import { describe, expect, it } from 'bun:test'
import { testTokens } from '@flash/testing'
import { createGatewayApp } from '../src/app.ts'

describe('the gateway behind a failing app', () => {
  it('opens the breaker after 10 failed calls and then answers 503 without calling the app', async () => {
    let calls = 0
    const failing = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch() {
        calls++
        return new Response('boom', { status: 500 })
      },
    })
    const logged: string[] = []
    const gateway = createGatewayApp({
      upstreams: {
        auth: `http://127.0.0.1:${failing.port}`,
        catalog: `http://127.0.0.1:${failing.port}`,
        checkout: `http://127.0.0.1:${failing.port}`,
      },
      tokens: testTokens,
      serviceToken: 'test-service-token',
      maxBodyBytes: 1024,
      timeoutMs: 1_000,
      breakerOpenMs: 60_000,
      log: (line) => logged.push(line),
    })
    try {
      const statuses: number[] = []
      for (let i = 0; i < 15; i++)
        statuses.push((await gateway.handle(new Request('http://localhost/products'))).status)

      // The app's own 500s pass through until the breaker opens; then the gateway answers alone.
      expect(statuses).toEqual([...Array(10).fill(500), ...Array(5).fill(503)])
      expect(calls).toBe(10)
      expect(logged).toContain('[gateway] breaker catalog: closed -> open')
      // Other apps have breakers of their own.
      expect(
        (
          await gateway.handle(
            new Request('http://localhost/auth/login', { method: 'POST', body: '{}' }),
          )
        ).status,
      ).toBe(500)
    } finally {
      await failing.stop(true)
    }
  })

  it('keeps a breaker for checkout in its process: a failing handler opens it like a failing process', async () => {
    let calls = 0
    const logged: string[] = []
    const gateway = createGatewayApp({
      upstreams: {
        auth: 'http://127.0.0.1:9',
        catalog: 'http://127.0.0.1:9',
        checkout: 'http://127.0.0.1:9',
      },
      inProcess: {
        checkout: () => {
          calls++
          if (calls % 2) throw new Error('checkout crashed')
          return new Response('boom', { status: 500 })
        },
      },
      tokens: testTokens,
      serviceToken: 'test-service-token',
      maxBodyBytes: 1024,
      timeoutMs: 1_000,
      breakerOpenMs: 60_000,
      log: (line) => logged.push(line),
    })
    const { token } = await testTokens.signAccess({ id: 'u1', role: 'buyer' })
    const statuses: number[] = []
    for (let i = 0; i < 14; i++)
      statuses.push(
        (
          await gateway.handle(
            new Request('http://localhost/orders/abc', {
              headers: { authorization: `Bearer ${token}` },
            }),
          )
        ).status,
      )

    // A throw is answered 503, a 500 passes through; after 10 failures nothing reaches checkout.
    expect(statuses).toEqual([...Array(5).fill([503, 500]).flat(), ...Array(4).fill(503)])
    expect(calls).toBe(10)
    expect(logged).toContain('[gateway] breaker checkout: closed -> open')
  })
})
