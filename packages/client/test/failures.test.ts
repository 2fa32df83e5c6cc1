import { describe, expect, it } from 'bun:test'
import { createClient, isRetryable, memorySessionStore } from '../src/index.ts'

/** A signed-in session the stub servers below never check. */
const session = () =>
  memorySessionStore({
    accessToken: 'token',
    refreshToken: 'refresh',
    expiresAt: Date.now() + 600_000,
  })

/**
 * A server that answers each request with the next of `answers`; `hang`
 * never answers (until the test ends), for a client timeout.
 */
function stubServer(answers: (Response | 'hang')[]) {
  const seen: { method: string; path: string; key: string | null; body: string }[] = []
  const release = Promise.withResolvers<void>()
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(request) {
      seen.push({
        method: request.method,
        path: new URL(request.url).pathname,
        key: request.headers.get('idempotency-key'),
        body: await request.text(),
      })
      const answer = answers.shift() ?? new Response('no answer left', { status: 500 })
      if (answer !== 'hang') return answer
      await release.promise
      return new Response(null, { status: 204 })
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    seen,
    async [Symbol.asyncDispose]() {
      release.resolve()
      await server.stop(true)
    },
  }
}

const apiError = (status: number, code: string, headers: Record<string, string> = {}) =>
  Response.json({ error: { code, message: `${code} here` } }, { status, headers })

describe('a purchase placed again after a failure', () => {
  it('sends the same key and body after a 503, a 429 and a timeout, and gets the order', async () => {
    await using server = stubServer([
      apiError(503, 'unavailable', { 'retry-after': '1' }),
      apiError(429, 'rate_limited', { 'retry-after': '7' }),
      'hang',
      Response.json({ orderId: 'order-1', status: 'pending' }, { status: 202 }),
    ])
    const client = createClient(server.url, { session: session(), timeoutMs: 300 })
    const purchase = client.orders.purchase({ saleId: 'sale-1', quantity: 2 })

    const tries = []
    for (let i = 0; i < 4; i++) tries.push(await purchase.place())
    expect({
      errors: tries.flatMap((t) => (t.isErr() ? [t.error] : [])),
      retryable: tries.flatMap((t) => (t.isErr() ? [isRetryable(t.error)] : [])),
      placed: tries.at(-1)?._unsafeUnwrap(),
      keys: [...new Set(server.seen.map((s) => s.key))],
      bodies: [...new Set(server.seen.map((s) => s.body))],
    }).toEqual({
      errors: [
        { status: 503, code: 'unavailable', message: 'unavailable here', retryAfterSeconds: 1 },
        { status: 429, code: 'rate_limited', message: 'rate_limited here', retryAfterSeconds: 7 },
        { status: 0, code: 'network_error', message: 'no answer within 0.3 s' },
      ],
      retryable: [true, true, true],
      placed: { orderId: 'order-1', status: 'pending' },
      keys: [purchase.key],
      bodies: ['{"saleId":"sale-1","quantity":2}'],
    })
  })

  it('sends one request when place() is called again while the first is in flight', async () => {
    await using server = stubServer([
      Response.json({ orderId: 'order-2', status: 'pending' }, { status: 202 }),
    ])
    const client = createClient(server.url, { session: session() })
    const purchase = client.orders.purchase({ productId: 'product-1', quantity: 1 })

    const [first, second] = await Promise.all([purchase.place(), purchase.place()])
    expect({
      first: first._unsafeUnwrap(),
      second: second._unsafeUnwrap(),
      sent: server.seen.length,
    }).toEqual({
      first: { orderId: 'order-2', status: 'pending' },
      second: { orderId: 'order-2', status: 'pending' },
      sent: 1,
    })
  })

  it('gives each purchase intent a key of its own', () => {
    const client = createClient('http://127.0.0.1:9')
    const keys = new Set(
      Array.from({ length: 3 }, () => client.orders.purchase({ saleId: 's', quantity: 1 }).key),
    )
    expect(keys.size).toBe(3)
  })
})

describe('answers that are not the API', () => {
  it("turns a proxy's page, a success without JSON and no server at all into typed errors", async () => {
    await using server = stubServer([
      new Response('<html>Bad gateway</html>', {
        status: 502,
        headers: { 'content-type': 'text/html' },
      }),
      new Response('<html>Welcome to the hotel wifi</html>', {
        status: 200,
        headers: { 'content-type': 'text/html' },
      }),
    ])
    const client = createClient(server.url)
    const proxyPage = await client.catalog.sale('sale-1')
    const portal = await client.catalog.sale('sale-1')
    const nobody = await createClient('http://127.0.0.1:9').catalog.sale('sale-1')
    expect({
      proxyPage: proxyPage._unsafeUnwrapErr(),
      portal: portal._unsafeUnwrapErr(),
      nobody: nobody._unsafeUnwrapErr(),
    }).toEqual({
      proxyPage: { status: 502, code: 'unexpected_answer', message: expect.any(String) },
      portal: { status: 200, code: 'unexpected_answer', message: expect.any(String) },
      nobody: { status: 0, code: 'network_error', message: expect.any(String) },
    })
  })
})
