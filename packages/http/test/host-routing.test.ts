import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { pathOf } from '../src/index.ts'
import { rawExchange } from './support/raw-exchange.ts'
import { spawnServed } from './support/spawn-served.ts'

let served: Awaited<ReturnType<typeof spawnServed>>
let sandbox: Awaited<ReturnType<typeof spawnServed>>
beforeAll(async () => {
  ;[served, sandbox] = await Promise.all([
    spawnServed('packages/http/test/support/served-app.ts'),
    // A real app, started by its own index.ts.
    spawnServed('apps/sandbox/src/index.ts'),
  ])
})
afterAll(async () => {
  await served?.[Symbol.asyncDispose]()
  await sandbox?.[Symbol.asyncDispose]()
})

const get = (base: string, path: string, host: string) =>
  rawExchange(base, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)

const routeOf = async (base: string, path: string, host: string) => {
  const answer = await get(base, path, host)
  return { status: answer.status, body: JSON.parse(answer.body) }
}

const notFound = (path: string) => ({
  status: 404,
  body: { error: { code: 'not_found', message: `no route GET ${path}` } },
})

describe('routing whatever the Host header says', () => {
  it('serves a path as itself with a one-letter Host: /ab/orders is not /orders, nor does it reach /internal', async () => {
    expect([
      await routeOf(served.url, '/ab/orders', 'x'),
      await routeOf(served.url, '/ab/internal/users/u1/orders', 'x'),
      await routeOf(served.url, '/orders', 'x'),
      await routeOf(served.url, '/internal/users/u1/orders', 'x'),
    ]).toEqual([
      notFound('/ab/orders'),
      notFound('/ab/internal/users/u1/orders'),
      { status: 200, body: { route: 'GET /orders' } },
      { status: 200, body: { route: 'internal', id: 'u1' } },
    ])
  })

  it('does the same in a real app started by its index.ts', async () => {
    expect([
      (await get(sandbox.url, '/ab/emails', 'x')).status,
      (await get(sandbox.url, '/emails', 'x')).status,
    ]).toEqual([404, 200])
  })

  it('refuses with 400 a Host that is not a host name, which Bun leaves out of the URL', async () => {
    const refused = {
      status: 400,
      body: {
        error: {
          code: 'invalid_request',
          message: 'the Host header is missing or not a host name',
        },
      },
    }
    expect([
      await routeOf(served.url, '/abcdefghijk/orders', 'a/b'),
      await routeOf(served.url, '/abcdefghijk/orders', ''),
      await routeOf(served.url, '/abcdefghijk/internal/users/u1/orders', 'a b'),
    ]).toEqual([refused, refused, refused])
  })

  it('gives the early answer the path the route has: a short Host does not make /ab/orders /orders', async () => {
    const post = (path: string) =>
      rawExchange(
        served.url,
        `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 17\r\nConnection: close\r\n\r\n{"saleId":"gone"}`,
      )
    const [elsewhere, orders] = [await post('/ab/orders'), await post('/orders')]
    expect([elsewhere.status, orders.status, pathOf('http://x/ab/orders')]).toEqual([
      404,
      409,
      '/ab/orders',
    ])
  })
})
