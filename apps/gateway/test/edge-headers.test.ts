import { describe, expect, it } from 'bun:test'
import { testTokens } from '@flash/testing'
import { openEvents, startEventUpstream } from './support/event-upstream.ts'
import { spawnGateway } from './support/spawn-gateway.ts'
import { startUpstream } from './support/stub-upstream.ts'

const SERVICE_TOKEN = 'gateway-test-service-token-0123456789abcdef'

/** Nothing listens there: calls to it are refused at once. */
const NOWHERE = 'http://127.0.0.1:9'

const encoder = new TextEncoder()

const buyerToken = async () =>
  (await testTokens.signAccess({ id: crypto.randomUUID(), role: 'buyer' })).token

describe('what the gateway adds to requests and answers', () => {
  it('sends its own service credential on every request, whatever the client sent, and appends the client to X-Forwarded-For', async () => {
    await using catalog = startEventUpstream()
    await using gateway = await spawnGateway(catalog.url, { SERVICE_TOKEN })
    const forged = { 'x-service-token': 'forged', 'x-forwarded-for': '203.0.113.9' }

    await fetch(`${gateway.url}/auth/login`, { method: 'POST', headers: forged, body: '{}' })
    await fetch(`${gateway.url}/products`)
    const events = await openEvents(`${gateway.url}/sales/${crypto.randomUUID()}/events`)
    await events.close()

    expect(
      catalog.seen.map((request) => ({
        path: request.path.replace(/[0-9a-f-]{36}/, ':id'),
        token: request.headers['x-service-token'],
        forwardedFor: request.headers['x-forwarded-for'],
      })),
    ).toEqual([
      { path: '/auth/login', token: SERVICE_TOKEN, forwardedFor: '203.0.113.9, 127.0.0.1' },
      { path: '/products', token: SERVICE_TOKEN, forwardedFor: '127.0.0.1' },
      { path: '/sales/:id/events', token: SERVICE_TOKEN, forwardedFor: '127.0.0.1' },
    ])
  })

  it('serves /metrics only to a caller with the service credential', async () => {
    await using upstream = startUpstream()
    await using gateway = await spawnGateway(upstream.url, { SERVICE_TOKEN })
    const metrics = (authorization?: string) =>
      fetch(`${gateway.url}/metrics`, { headers: authorization ? { authorization } : {} })

    const [none, wrong, right] = await Promise.all([
      metrics(),
      metrics('Bearer not-the-service-token'),
      metrics(`Bearer ${SERVICE_TOKEN}`),
    ])

    expect({
      none: { status: none.status, body: await none.json() },
      wrong: wrong.status,
      right: { status: right.status, counts: (await right.text()).includes('http_requests_total') },
    }).toEqual({
      none: { status: 401, body: { error: { code: 'unauthorized', message: expect.any(String) } } },
      wrong: 401,
      right: { status: 200, counts: true },
    })
  })

  it('accepts the bearer scheme in any case', async () => {
    await using upstream = startUpstream()
    await using gateway = await spawnGateway(upstream.url)
    const token = await buyerToken()

    const statuses = await Promise.all(
      ['bearer', 'BEARER', 'Bearer'].map(
        async (scheme) =>
          (
            await fetch(`${gateway.url}/orders/x`, {
              headers: { authorization: `${scheme} ${token}` },
            })
          ).status,
      ),
    )

    expect({ statuses, reached: upstream.seen.length }).toEqual({
      statuses: [200, 200, 200],
      reached: 3,
    })
  })

  it('marks every answer nosniff, keeps an app’s Cache-Control, and gives every refusal the API error body', async () => {
    // Its event streams stay open until the client leaves.
    await using catalog = startUpstream((request) =>
      request.path.endsWith('/events')
        ? new Response(
            new ReadableStream({ start: (c) => c.enqueue(encoder.encode('data: {}\n\n')) }),
            {
              headers: { 'content-type': 'text/event-stream' },
            },
          )
        : Response.json({ ok: true }, { headers: { 'cache-control': 'private, max-age=5' } }),
    )
    await using gateway = await spawnGateway(
      { auth: catalog.url, catalog: catalog.url, checkout: NOWHERE },
      { EVENT_STREAMS_PER_CLIENT: '1', MAX_BODY_BYTES: '1024' },
    )
    const authorization = `Bearer ${await buyerToken()}`
    const held = await openEvents(`${gateway.url}/sales/${crypto.randomUUID()}/events`)
    const describe = async (response: Response) => ({
      status: response.status,
      nosniff: response.headers.get('x-content-type-options'),
      cacheControl: response.headers.get('cache-control'),
      body: response.status >= 400 ? await response.json() : 'ok',
    })
    const refusal = (status: number, code: string) => ({
      status,
      nosniff: 'nosniff',
      cacheControl: null,
      body: { error: { code, message: expect.any(String) } },
    })

    const answers = {
      forwarded: await describe(await fetch(`${gateway.url}/products`)),
      stream: { status: held.status, nosniff: held.headers.get('x-content-type-options') },
      notFound: await describe(await fetch(`${gateway.url}/nowhere`)),
      noToken: await describe(await fetch(`${gateway.url}/orders`)),
      tooLarge: await describe(
        await fetch(`${gateway.url}/auth/login`, { method: 'POST', body: 'x'.repeat(2048) }),
      ),
      tooManyStreams: await describe(
        await fetch(`${gateway.url}/sales/${crypto.randomUUID()}/events`),
      ),
      appDown: await describe(
        await fetch(`${gateway.url}/orders/x`, { headers: { authorization } }),
      ),
    }
    await held.close()

    expect(answers).toEqual({
      forwarded: {
        status: 200,
        nosniff: 'nosniff',
        cacheControl: 'private, max-age=5',
        body: 'ok',
      },
      stream: { status: 200, nosniff: 'nosniff' },
      notFound: refusal(404, 'not_found'),
      noToken: refusal(401, 'unauthorized'),
      tooLarge: refusal(413, 'payload_too_large'),
      tooManyStreams: refusal(429, 'rate_limited'),
      appDown: refusal(503, 'unavailable'),
    })
  })
})
