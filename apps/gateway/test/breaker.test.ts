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
})
