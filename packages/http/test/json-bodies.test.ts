import { afterEach, describe, expect, it, spyOn } from 'bun:test'
import { errorBody } from '@flash/contracts'
import { Elysia, t } from 'elysia'
import { idString, service } from '../src/index.ts'

/**
 * Checkout's shape: POST /orders (with an early answer, under a prefix) and
 * a cancel route that takes no body, on an app that refuses unknown fields.
 */
function app() {
  const early: unknown[] = []
  const orders = new Elysia({ prefix: '/orders' })
    .post('/', ({ body, status }) => status(202, { placed: body.saleId }), {
      body: t.Object({ saleId: idString(), quantity: t.Integer({ minimum: 1 }) }),
    })
    .post('/:id/cancel', ({ params }) => ({ cancelled: params.id }))
  const sales = new Elysia({ prefix: '/sales' }).post('/', ({ body }) => ({ named: body.name }), {
    body: t.Object({ name: t.String(), tags: t.Optional(t.Array(t.String())) }),
  })
  const server = new Elysia({ normalize: false })
    .use(
      service({
        name: 'test',
        maxBodyBytes: 16_384,
        answerEarly: {
          method: 'POST',
          path: '/orders',
          answer: (body) => {
            early.push(body)
            return (body as { saleId?: unknown } | null)?.saleId === SOLD_OUT
              ? { status: 409, body: errorBody('sold_out', 'this sale is sold out') }
              : undefined
          },
        },
      }),
    )
    .use(orders)
    .use(sales)
  const send = async (path: string, body: string, contentType: string | null) => {
    const response = await server.handle(
      new Request(`http://localhost${path}`, {
        method: 'POST',
        body,
        headers: contentType === null ? {} : { 'content-type': contentType },
      }),
    )
    const answer = (await response.json()) as Record<string, unknown> & {
      error?: { code: string; message: string }
    }
    return { status: response.status, body: answer }
  }
  return { send, early }
}

const SOLD_OUT = '0190c9a2-7e1c-7d4e-9c1a-3f5b2a1d0e9f'
const JSON_TYPE = 'application/json'
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`
const tooDeep = { error: { code: 'invalid_request', message: 'body nests deeper than 32 levels' } }

let parse: ReturnType<typeof spyOn<JSON, 'parse'>> | undefined
afterEach(() => parse?.mockRestore())

describe('JSON bodies too deep or too large', () => {
  it('refuses a 16 KB body nested 8,000 levels deep with 400 before JSON.parse, on every route', async () => {
    const { send, early } = app()
    const deep = nested(8_000)
    const deepField = `{"saleId":${nested(7_990)},"quantity":1}`
    parse = spyOn(JSON, 'parse')

    const answers = [
      await send('/orders', deep, JSON_TYPE),
      await send('/orders', deepField, JSON_TYPE),
      await send('/sales', deep, JSON_TYPE),
      await send('/sales', `{"name":${nested(8_000)}}`, JSON_TYPE),
    ]

    expect(answers).toEqual([
      { status: 400, body: tooDeep },
      { status: 400, body: tooDeep },
      { status: 400, body: tooDeep },
      { status: 400, body: tooDeep },
    ])
    expect(parse.mock.calls.filter(([text]) => String(text).includes('[[[['))).toEqual([])
    // The early answer never saw them either.
    expect(early).toEqual([])
  })

  it('refuses 33 levels and takes 32, which the schema then refuses as usual', async () => {
    const { send } = app()
    const objects = (depth: number) => `${'{"a":'.repeat(depth - 1)}1${'}'.repeat(depth - 1)}`
    expect([
      await send('/orders', `{"saleId":${nested(32)}}`, JSON_TYPE),
      await send('/orders', `{"saleId":${nested(31)},"quantity":1}`, JSON_TYPE),
      await send('/sales', objects(34), JSON_TYPE),
    ]).toEqual([
      { status: 400, body: tooDeep },
      {
        status: 400,
        body: {
          error: { code: 'invalid_request', message: 'body.saleId: expected string' },
        },
      },
      { status: 400, body: tooDeep },
    ])
  })

  it('refuses a body of more than 1,000 values with 400 and takes one of 1,000', async () => {
    const { send } = app()
    const tags = (count: number) => JSON.stringify(Array.from({ length: count }, () => 't'))
    // The object, the name and the array count too: 997 tags make 1,000 values.
    expect([
      await send('/sales', `{"name":"n","tags":${tags(998)}}`, JSON_TYPE),
      await send('/sales', `{"name":"n","tags":${tags(997)}}`, JSON_TYPE),
      await send('/orders', `[${'0,'.repeat(2_000)}0]`, JSON_TYPE),
    ]).toEqual([
      {
        status: 400,
        body: { error: { code: 'invalid_request', message: 'body holds more than 1000 values' } },
      },
      { status: 200, body: { named: 'n' } },
      {
        status: 400,
        body: { error: { code: 'invalid_request', message: 'body holds more than 1000 values' } },
      },
    ])
  })

  it('answers no odd body with a 500', async () => {
    const { send } = app()
    const bodies = [
      '[]',
      '"x"',
      'null',
      '1e999',
      '{"__proto__":{"saleId":"x"},"quantity":1}',
      '{"saleId":{"length":36},"quantity":1}',
      '{"saleId":"\\ud800","quantity":1}',
      `{"saleId":"${SOLD_OUT}","quantity":1e999}`,
      `{"saleId":"${SOLD_OUT}","quantity":1,"quantity":[]}`,
      `${'{"a":'.repeat(31)}1${'}'.repeat(31)}`,
      nested(32),
      `{"saleId":${nested(8_000)}}`,
    ]
    const statuses = []
    for (const body of bodies)
      for (const path of ['/orders', '/sales']) {
        const answer = await send(path, body, JSON_TYPE)
        statuses.push({ path, body, status: answer.status, code: answer.body.error?.code })
      }
    expect(statuses.filter(({ status, code }) => status >= 500 || code === undefined)).toEqual([])
  })
})

describe('content types', () => {
  it('reads JSON only under a JSON content type, 415 otherwise, and an empty body needs none', async () => {
    const { send, early } = app()
    const body = JSON.stringify({ saleId: SOLD_OUT, quantity: 1 })
    const unsupported = {
      status: 415,
      body: {
        error: {
          code: 'unsupported_media_type',
          message: 'send the body as JSON with Content-Type: application/json',
        },
      },
    }
    const named = { status: 200, body: { named: 'n' } }

    expect([
      await send('/orders', body, 'text/plain'),
      await send('/orders', body, 'text/plain;charset=UTF-8'),
      await send('/orders', body, null),
      await send('/sales', '{"name":"n"}', 'application/x-www-form-urlencoded'),
      await send('/sales', '{"name":"n"}', 'application/json'),
      await send('/sales', '{"name":"n"}', 'application/json; charset=utf-8'),
      await send('/sales', '{"name":"n"}', 'Application/JSON;charset=UTF-8'),
      await send('/sales', '{"name":"n"}', 'application/merge-patch+json'),
      await send(`/orders/${SOLD_OUT}/cancel`, '', null),
    ]).toEqual([
      unsupported,
      unsupported,
      unsupported,
      unsupported,
      named,
      named,
      named,
      named,
      { status: 200, body: { cancelled: SOLD_OUT } },
    ])
    // Not even the early answer (sold out) is given to a body of another type.
    expect(early).toEqual([])
  })
})
