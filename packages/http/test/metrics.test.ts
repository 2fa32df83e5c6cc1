import { describe, expect, it } from 'bun:test'
import { parseMetrics, waitFor } from '@flash/testing'
import { Elysia, t } from 'elysia'
import { apiError, DURATION_BUCKETS, service } from '../src/index.ts'

const TOKEN = 'metrics-credential-for-tests'

/** Checkout's way of answering: `status(202, ...)` for an order, a Response for a refusal. */
function app() {
  return new Elysia({ normalize: false })
    .use(service({ name: 'test', maxBodyBytes: 1024, metricsToken: TOKEN }))
    .post(
      '/orders',
      async ({ body, status }) =>
        body.saleId === 'gone'
          ? apiError(409, 'sold_out', 'this sale is sold out')
          : status(202, { orderId: 'o-1' }),
      { body: t.Object({ saleId: t.String() }) },
    )
    .get('/orders/:id', ({ params }) => ({ id: params.id }))
}

const metricsOf = (server: ReturnType<typeof app>, authorization?: string) =>
  server.handle(
    new Request('http://localhost/metrics', {
      headers: authorization === undefined ? {} : { authorization },
    }),
  )

describe('metrics', () => {
  it('counts the status each answer was sent with, whether a Response or status() decided it', async () => {
    const server = app()
    const order = (saleId: string) =>
      server.handle(
        new Request('http://localhost/orders', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ saleId }),
        }),
      )
    const statuses = [(await order('open')).status, (await order('gone')).status]

    // afterResponse hooks run after the answer is out: wait for the second count.
    const lines = await waitFor(
      async () => {
        const found = (await (await metricsOf(server, `Bearer ${TOKEN}`)).text())
          .split('\n')
          .filter((line) => line.startsWith('http_requests_total') && line.includes('POST'))
        return found.length === 2 && found
      },
      { what: 'both orders to be counted' },
    )
    expect({ statuses, lines: lines.sort() }).toEqual({
      statuses: [202, 409],
      lines: [
        'http_requests_total{service="test",method="POST",route="/orders",status="202"} 1',
        'http_requests_total{service="test",method="POST",route="/orders",status="409"} 1',
      ],
    })
  })

  it('answers /metrics only to the metrics credential, with 401 and the error body otherwise', async () => {
    const server = app()
    const answers = []
    for (const authorization of [
      undefined,
      'Bearer wrong',
      `Bearer ${TOKEN}x`,
      `Basic ${TOKEN}`,
      `Bearer ${TOKEN}`,
      `bearer ${TOKEN}`,
    ]) {
      const response = await metricsOf(server, authorization)
      const text = await response.text()
      answers.push({
        status: response.status,
        body: response.status === 200 ? text.split('\n')[1] : JSON.parse(text),
      })
    }
    const refused = {
      status: 401,
      body: {
        error: {
          code: 'unauthorized',
          message: 'metrics need the service credential as a bearer token',
        },
      },
    }
    const served = { status: 200, body: '# TYPE http_requests_total counter' }
    expect(answers).toEqual([refused, refused, refused, refused, served, served])
  })

  it('times every answer in a histogram by method, route pattern and status class, never by raw path', async () => {
    const server = app()
    const send = (method: string, path: string, body?: unknown, headers = {}) =>
      server.handle(
        new Request(`http://localhost${path}`, {
          method,
          headers: { 'content-type': 'application/json', ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      )
    const statuses: number[] = []
    for (const saleId of ['open', 'open', 'gone', 'open', 'gone'])
      statuses.push((await send('POST', '/orders', { saleId })).status)
    // Paths a hostile client makes up: each is the route's pattern, or unmatched.
    for (const id of ['1', 'a%20b', '..%2f..%2fetc', 'x'.repeat(300)])
      statuses.push((await send('GET', `/orders/${id}`)).status)
    for (const path of ['/nope', `/nope/${crypto.randomUUID()}`])
      statuses.push((await send('GET', path)).status)
    statuses.push((await send('PROPFIND', '/orders')).status)
    // Refused before any route sees it, by its declared length.
    const large = { saleId: 'x'.repeat(2000) }
    const length = String(JSON.stringify(large).length)
    statuses.push((await send('POST', '/orders', large, { 'content-length': length })).status)
    expect(statuses).toEqual([202, 202, 409, 202, 409, 200, 200, 200, 200, 404, 404, 404, 413])

    const metrics = parseMetrics(await (await metricsOf(server, `Bearer ${TOKEN}`)).text())
    const histogram = metrics.families.get('http_request_duration_seconds')
    const counts = histogram?.samples
      .filter((sample) => sample.name === 'http_request_duration_seconds_count')
      .map((sample): Record<string, string | number> => ({ ...sample.labels, count: sample.value }))
      .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
    expect({ type: histogram?.type, counts }).toEqual({
      type: 'histogram',
      counts: [
        { service: 'test', method: 'GET', route: '/orders/:id', status: '2xx', count: 4 },
        { service: 'test', method: 'GET', route: 'unmatched', status: '4xx', count: 2 },
        { service: 'test', method: 'POST', route: '/orders', status: '2xx', count: 3 },
        { service: 'test', method: 'POST', route: '/orders', status: '4xx', count: 2 },
        { service: 'test', method: 'POST', route: 'unmatched', status: '4xx', count: 1 },
        { service: 'test', method: 'other', route: 'unmatched', status: '4xx', count: 1 },
      ],
    })
    // parseMetrics has checked each series' buckets are cumulative and end at +Inf = _count.
    const bounds = histogram?.samples
      .filter((sample) => sample.name.endsWith('_bucket') && sample.labels.route === '/orders/:id')
      .map((sample) => sample.labels.le)
    expect(bounds).toEqual([...DURATION_BUCKETS.map(String), '+Inf'])
    const sum = metrics.value('http_request_duration_seconds_sum', {
      method: 'GET',
      route: '/orders/:id',
    })
    expect(sum).toBeGreaterThan(0)
  })
})
