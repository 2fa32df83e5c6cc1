import { describe, expect, it } from 'bun:test'
import { errorBody } from '@flash/contracts'
import { waitFor } from '@flash/testing'
import { Elysia, t } from 'elysia'
import { service } from '../src/index.ts'

/** An app whose POST /orders/ (mounted under a prefix, as checkout's is) refuses sale 'gone' early. */
function app() {
  const seen: unknown[] = []
  const orders = new Elysia({ prefix: '/orders' }).post(
    '/',
    ({ body, set }) => {
      seen.push(body)
      set.status = 202
      return { placed: body.saleId }
    },
    { body: t.Object({ saleId: t.String(), quantity: t.Integer() }) },
  )
  const server = new Elysia()
    .use(
      service({
        name: 'test',
        maxBodyBytes: 1024,
        answerEarly: {
          method: 'POST',
          path: '/orders',
          answer: (body, request) => {
            const saleId = (body as { saleId?: string } | null)?.saleId
            if (saleId === 'gone')
              return { status: 409, body: errorBody('sold_out', 'this sale is sold out') }
            // An answer that needs a lookup first, from what the headers say.
            if (saleId === 'ask' && request.headers.get('x-caller') === 'known')
              return Promise.resolve({ status: 409, body: errorBody('sold_out', 'found sold out') })
            if (saleId === 'ask') return Promise.resolve(undefined)
            return undefined
          },
        },
      }),
    )
    .use(orders)
  const send = async (
    body: string | Uint8Array | ReadableStream,
    headers: Record<string, string> = {},
  ) => {
    const response = await server.handle(
      new Request('http://localhost/orders', {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
      }),
    )
    return {
      status: response.status,
      body: (await response.json()) as { error: { code: string; message: string } },
      headers: response.headers,
    }
  }
  const metrics = async () =>
    (await (await server.handle(new Request('http://localhost/metrics'))).text())
      .split('\n')
      .filter((line) => line.startsWith('http_requests_total') && line.includes('POST'))
  return { send, seen, metrics }
}

describe('answerEarly', () => {
  it('answers from the body before the route runs, with the request id echoed', async () => {
    const { send, seen } = app()
    const answer = await send(JSON.stringify({ saleId: 'gone', quantity: 1 }), {
      'x-request-id': 'req-7',
    })
    expect({ ...answer, headers: answer.headers.get('x-request-id') }).toEqual({
      status: 409,
      body: { error: { code: 'sold_out', message: 'this sale is sold out' } },
      headers: 'req-7',
    })
    expect(seen).toEqual([])
  })

  it('hands the body it read to the route when it does not answer', async () => {
    const { send, seen } = app()
    const answer = await send(JSON.stringify({ saleId: 'open', quantity: 2 }))
    expect(answer).toMatchObject({ status: 202, body: { placed: 'open' } })
    expect(seen).toEqual([{ saleId: 'open', quantity: 2 }])
  })

  it('answers from a promise, reading the request, or leaves it to the route when that gives undefined', async () => {
    const { send, seen } = app()
    const body = JSON.stringify({ saleId: 'ask', quantity: 1 })
    const known = await send(body, { 'x-caller': 'known' })
    const unknown = await send(body, { 'x-caller': 'someone' })
    expect([known, unknown].map(({ status, body }): unknown[] => [status, body])).toEqual([
      [409, { error: { code: 'sold_out', message: 'found sold out' } }],
      [202, { placed: 'ask' }],
    ])
    expect(seen).toEqual([{ saleId: 'ask', quantity: 1 }])
  })

  it('leaves malformed, invalid and oversized bodies to the usual refusals', async () => {
    const { send, seen } = app()
    const chunked = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(`{"saleId":"${'x'.repeat(2_000)}"}`))
        controller.close()
      },
    })
    const answers = [
      await send('{"saleId":'),
      await send(new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])),
      await send(JSON.stringify({ saleId: 'open', quantity: 'many' })),
      await send(''),
      await send(chunked),
    ]
    expect(answers.map(({ status, body }) => [status, body.error.code])).toEqual([
      [400, 'invalid_request'],
      [400, 'invalid_request'],
      [400, 'invalid_request'],
      [400, 'invalid_request'],
      [413, 'payload_too_large'],
    ])
    expect(seen).toEqual([])
  })

  it('counts early answers in the metrics under the route the others are counted under', async () => {
    const { send, metrics } = app()
    await send(JSON.stringify({ saleId: 'gone', quantity: 1 }))
    await send(JSON.stringify({ saleId: 'gone', quantity: 1 }))
    await send(JSON.stringify({ saleId: 'open', quantity: 1 }))
    // afterResponse hooks run after the answer is out: wait for the last count.
    const lines = await waitFor(
      async () => {
        const found = await metrics()
        return found.some((line) => line.includes('status="202"')) && found
      },
      { what: 'the 202 to be counted' },
    )
    expect(lines.sort()).toEqual([
      'http_requests_total{service="test",method="POST",route="/orders",status="202"} 1',
      'http_requests_total{service="test",method="POST",route="/orders",status="409"} 2',
    ])
  })
})
