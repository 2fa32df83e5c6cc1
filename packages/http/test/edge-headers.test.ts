import { describe, expect, it } from 'bun:test'
import { errorBody } from '@flash/contracts'
import { Elysia, t } from 'elysia'
import { apiError, service } from '../src/index.ts'

/** An app answering in each way an app can: object, Response, early answer, refusals. */
function app(noStore: boolean) {
  return new Elysia()
    .use(
      service({
        name: 'test',
        maxBodyBytes: 64,
        noStore,
        answerEarly: {
          method: 'POST',
          path: '/orders',
          answer: () => ({ status: 409, body: errorBody('sold_out', 'sold out') }),
        },
      }),
    )
    .get('/thing', () => ({ ok: true }))
    .get('/refused', () => apiError(403, 'forbidden', 'not yours'))
    .post('/things', ({ body }) => body, { body: t.Object({ name: t.String() }) })
    .post('/orders', () => 'never')
}

const requests = () => [
  new Request('http://localhost/thing'),
  new Request('http://localhost/refused'),
  new Request('http://localhost/nowhere'),
  new Request('http://localhost/health'),
  new Request('http://localhost/metrics'),
  new Request('http://localhost/things', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"name":1}',
  }),
  new Request('http://localhost/things', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': '100' },
    body: 'x'.repeat(100),
  }),
  new Request('http://localhost/orders', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  }),
]

async function headersOf(noStore: boolean) {
  const server = app(noStore)
  const seen = []
  for (const request of requests()) {
    const response = await server.handle(request)
    seen.push({
      status: response.status,
      nosniff: response.headers.get('x-content-type-options'),
      cacheControl: response.headers.get('cache-control'),
    })
  }
  return seen
}

describe('headers on every answer', () => {
  const statuses = [200, 403, 404, 200, 200, 400, 413, 409]

  it('marks every answer nosniff, and no-store on an app whose answers carry a buyer’s data', async () => {
    expect(await headersOf(true)).toEqual(
      statuses.map((status) => ({ status, nosniff: 'nosniff', cacheControl: 'no-store' })),
    )
  })

  it('leaves caching alone on an app that did not ask for no-store', async () => {
    expect(await headersOf(false)).toEqual(
      statuses.map((status) => ({ status, nosniff: 'nosniff', cacheControl: null })),
    )
  })
})

describe('methods no route takes', () => {
  it('answers TRACE and PROPFIND on an existing path with 404 and the error body', async () => {
    const answers = await Promise.all(
      ['TRACE', 'PROPFIND'].map(async (method) => {
        const response = await app(false).handle(new Request('http://localhost/thing', { method }))
        return { status: response.status, body: await response.json() }
      }),
    )
    expect(answers).toEqual([
      { status: 404, body: errorBody('not_found', 'no route TRACE /thing') },
      { status: 404, body: errorBody('not_found', 'no route PROPFIND /thing') },
    ])
  })
})
