import { describe, expect, it } from 'bun:test'
import { parseMetrics, testTokens } from '@flash/testing'
import { createGatewayApp } from '../src/app.ts'

const SERVICE_TOKEN = 'test-service-token'

describe("the gateway's /metrics", () => {
  it('shows each upstream’s breaker, 2 once it opened, and times what it forwarded by route pattern', async () => {
    const failing = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: () => new Response('boom', { status: 500 }),
    })
    const upstream = `http://127.0.0.1:${failing.port}`
    const gateway = createGatewayApp({
      upstreams: { auth: upstream, catalog: upstream, checkout: upstream },
      tokens: testTokens,
      serviceToken: SERVICE_TOKEN,
      maxBodyBytes: 1024,
      timeoutMs: 1_000,
      breakerOpenMs: 60_000,
      log: () => {},
    })
    try {
      const statuses: number[] = []
      for (let i = 0; i < 12; i++)
        statuses.push(
          (await gateway.handle(new Request(`http://localhost/products/${crypto.randomUUID()}`)))
            .status,
        )
      expect(statuses).toEqual([...Array(10).fill(500), 503, 503])

      const scrape = await gateway.handle(
        new Request('http://localhost/metrics', {
          headers: { authorization: `Bearer ${SERVICE_TOKEN}` },
        }),
      )
      const metrics = parseMetrics(await scrape.text())
      const samples = (name: string) =>
        Object.fromEntries(
          (metrics.families.get(name)?.samples ?? []).map((sample) => [
            [sample.labels.upstream, sample.labels.to].filter(Boolean).join(' '),
            sample.value,
          ]),
        )
      expect({
        state: samples('breaker_state'),
        opened: samples('breaker_transitions_total'),
        timed: metrics.value('http_request_duration_seconds_count', {
          method: 'GET',
          route: '/products/*',
          status: '5xx',
        }),
      }).toEqual({
        state: { auth: 0, catalog: 2, checkout: 0 },
        opened: {
          'auth closed': 0,
          'auth half_open': 0,
          'auth open': 0,
          'catalog closed': 0,
          'catalog half_open': 0,
          'catalog open': 1,
          'checkout closed': 0,
          'checkout half_open': 0,
          'checkout open': 0,
        },
        timed: 12,
      })
    } finally {
      await failing.stop(true)
    }
  })
})
