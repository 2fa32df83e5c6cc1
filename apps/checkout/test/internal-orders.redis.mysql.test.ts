import { afterAll, afterEach, beforeAll, describe, expect, it } from 'bun:test'
import { orderItems, orders } from '@flash/db'
import { keySpace } from '@flash/redis'
import { createBuyers, createProduct, testDatabase, testRedis, testTokens } from '@flash/testing'
import { createCheckoutApp } from '../src/app.ts'

const SERVICE_TOKEN = 'internal-test-service-token'

let database: Awaited<ReturnType<typeof testDatabase>>
let redis: Awaited<ReturnType<typeof testRedis>>
let url: string
let stop: () => Promise<void>
const errors: string[] = []

function start(serviceToken: string | undefined) {
  const app = createCheckoutApp({
    redis: redis.redis,
    db: database.db,
    space: keySpace(redis.prefix),
    tokens: testTokens,
    maxBodyBytes: 16 * 1024,
    idempotencyTtlSeconds: 3600,
    orderStateTtlSeconds: 3600,
    finishedOrderTtlSeconds: 600,
    returnWindowSeconds: 86_400,
    soldOutFlagMs: 500,
    rateLimits: null,
    serviceToken,
    log: (line) => errors.push(line),
  }).listen({ port: 0, hostname: '127.0.0.1' })
  return {
    url: `http://127.0.0.1:${app.server?.port}`,
    stop: async () => {
      await app.stop(true)
    },
  }
}

beforeAll(async () => {
  database = await testDatabase()
  redis = await testRedis()
  const app = start(SERVICE_TOKEN)
  url = app.url
  stop = app.stop
})
afterEach(() => {
  // A refused call is the caller's mistake, never a logged server-side failure.
  expect(errors).toEqual([])
})
afterAll(async () => {
  await stop()
  await redis[Symbol.asyncDispose]()
  await database[Symbol.asyncDispose]()
})

/** `count` stored orders of a new buyer, oldest first. */
async function buyerWithOrders(count: number) {
  const [buyer] = (await createBuyers(database.db, 1)) as [string]
  const productId = await createProduct(database.db)
  const ids: string[] = []
  for (let i = 0; i < count; i++) {
    const id = Bun.randomUUIDv7()
    const now = new Date()
    await database.db.insert(orders).values({
      id,
      userId: buyer,
      saleId: null,
      status: 'paid',
      total: 10_000,
      idempotencyKey: `k${i}`,
      createdAt: now,
      updatedAt: now,
    })
    await database.db
      .insert(orderItems)
      .values({ orderId: id, productId, quantity: 1, unitPrice: 10_000 })
    ids.push(id)
  }
  return { buyer, ids }
}

async function get(base: string, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, { headers })
  return {
    status: response.status,
    // biome-ignore lint/suspicious/noExplicitAny: a test reads whatever JSON came back
    body: (await response.json()) as any,
  }
}

describe('GET /internal/users/:userId/orders', () => {
  it('answers the latest orders of a user, newest first, to a caller with the service credential', async () => {
    const { buyer, ids } = await buyerWithOrders(3)

    const reply = await get(url, `/internal/users/${buyer}/orders?limit=2`, {
      'x-service-token': SERVICE_TOKEN,
    })

    expect(reply.status).toBe(200)
    expect(reply.body.items.map((order: { id: string }) => order.id)).toEqual([ids[2], ids[1]])
    expect(reply.body.items[0]).toEqual({
      id: ids[2],
      status: 'paid',
      items: [{ productId: expect.any(String), saleId: null, quantity: 1, unitPrice: 10_000 }],
      total: 10_000,
      payment: { status: 'pending' },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    })
  })

  it('answers 401 without a service credential, before looking at anything else', async () => {
    const { buyer } = await buyerWithOrders(1)

    const missing = await get(url, `/internal/users/${buyer}/orders`)
    const invalidToo = await get(url, '/internal/users/not-a-uuid/orders?limit=abc')

    for (const reply of [missing, invalidToo])
      expect(reply).toEqual({
        status: 401,
        body: { error: { code: 'unauthorized', message: 'a service credential is required' } },
      })
  })

  it('answers 403 to a wrong credential, and to a buyer bearer token in its place', async () => {
    const { buyer } = await buyerWithOrders(1)
    const { token } = await testTokens.signAccess({ id: buyer, role: 'buyer' })

    const wrong = await get(url, `/internal/users/${buyer}/orders`, {
      'x-service-token': `${SERVICE_TOKEN}x`,
    })
    const bearer = await get(url, `/internal/users/${buyer}/orders`, {
      authorization: `Bearer ${token}`,
      'x-service-token': token,
    })

    for (const reply of [wrong, bearer])
      expect(reply).toEqual({
        status: 403,
        body: { error: { code: 'forbidden', message: 'this service credential is not accepted' } },
      })
  })

  it('answers 400 to a credentialed call with a bad user id or limit', async () => {
    const headers = { 'x-service-token': SERVICE_TOKEN }

    const badId = await get(url, '/internal/users/not-a-uuid/orders', headers)
    const badLimit = await get(
      url,
      `/internal/users/${crypto.randomUUID()}/orders?limit=0`,
      headers,
    )

    expect([
      badId.status,
      badId.body.error.code,
      badLimit.status,
      badLimit.body.error.code,
    ]).toEqual([400, 'invalid_request', 400, 'invalid_request'])
  })

  it('refuses every call when no service credential is configured', async () => {
    const app = start(undefined)
    try {
      const reply = await get(app.url, `/internal/users/${crypto.randomUUID()}/orders`, {
        'x-service-token': SERVICE_TOKEN,
      })

      expect(reply.status).toBe(403)
    } finally {
      await app.stop()
    }
  })
})
