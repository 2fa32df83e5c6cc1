import { describe, expect, it } from 'bun:test'
import { waitFor } from '@flash/testing'
import { Elysia, t } from 'elysia'
import { apiError, service } from '../src/index.ts'

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
})
