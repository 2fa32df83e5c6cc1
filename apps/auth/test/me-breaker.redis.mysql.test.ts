import { describe, expect, it } from 'bun:test'
import type { Transition } from '@flash/breaker'
import { orderItems, orders } from '@flash/db'
import { createProduct, waitFor } from '@flash/testing'
import { checkoutRecentOrders, type RecentOrders } from '../src/modules/me/recent-orders.ts'
import { type Auth, createUser, postLogin, sessionOf, startAuth, withToken } from './helpers.ts'
import { startProcess } from './processes.ts'

const SERVICE_TOKEN = 'me-breaker-test-service-token'
const OPEN_MS = 1000

type Me = { id: string; orders: { id: string }[]; ordersAvailable: boolean }

/** Auth in this process, checkout as a real process on the same database and prefix. */
async function authBesideCheckout() {
  let source: RecentOrders = async () => ({ orders: [], available: false })
  const auth = await startAuth({ recentOrders: (userId) => source(userId) })
  const checkout = await startProcess('checkout', {
    DATABASE_URL: auth.database.url,
    REDIS_URL: auth.redis.url,
    REDIS_PREFIX: auth.redis.prefix,
    SERVICE_TOKEN,
  })
  return {
    auth,
    checkout,
    /** Points /auth/me at checkout through a breaker, as index.ts does. */
    connect(serviceToken = SERVICE_TOKEN) {
      const client = checkoutRecentOrders({
        url: checkout.url,
        serviceToken,
        breaker: { openDurationMs: OPEN_MS },
      })
      source = client.recentOrders
      return client.breaker
    },
    async [Symbol.asyncDispose]() {
      await checkout[Symbol.asyncDispose]()
      await auth[Symbol.asyncDispose]()
    },
  }
}

/** A buyer with two stored orders, signed in. */
async function buyerWithOrders(auth: Auth) {
  const user = await createUser(auth)
  const productId = await createProduct(auth.database.db)
  const ids = [Bun.randomUUIDv7(), Bun.randomUUIDv7()]
  for (const id of ids) {
    const now = new Date()
    await auth.database.db.insert(orders).values({
      id,
      userId: user.id,
      saleId: null,
      status: 'paid',
      total: 5000,
      idempotencyKey: id,
      createdAt: now,
      updatedAt: now,
    })
    await auth.database.db
      .insert(orderItems)
      .values({ orderId: id, productId, quantity: 1, unitPrice: 5000 })
  }
  const session = sessionOf(
    await postLogin(auth.url, { email: user.email, password: user.password }),
  )
  return { user, ids, token: session.accessToken }
}

async function me(auth: Auth, token: string) {
  const started = performance.now()
  const reply = await withToken(auth.url, 'GET', '/auth/me', token)
  return { status: reply.status, body: reply.body as Me, ms: performance.now() - started }
}

describe('GET /auth/me with checkout behind a circuit breaker', () => {
  it('falls back while checkout is down, answers fast once the breaker is open, and closes again through half-open', async () => {
    await using system = await authBesideCheckout()
    const { auth, checkout } = system
    const breaker = system.connect()
    const transitions: Transition[] = []
    breaker.onTransition((t) => transitions.push(t))
    const buyer = await buyerWithOrders(auth)

    const healthy = await me(auth, buyer.token)
    expect(healthy.body).toMatchObject({ id: buyer.user.id, ordersAvailable: true })
    expect(healthy.body.orders.map((order) => order.id)).toEqual([...buyer.ids].reverse())

    checkout.kill('SIGKILL')
    await checkout.exited
    const whileDown = []
    for (let i = 0; i < 10; i++) whileDown.push(await me(auth, buyer.token))
    const open = await me(auth, buyer.token)

    expect(
      whileDown.map((reply) => [reply.status, reply.body.ordersAvailable, reply.body.orders]),
    ).toEqual(Array.from({ length: 10 }, () => [200, false, []]))
    expect(transitions.map((t) => `${t.from} -> ${t.to}`)).toEqual(['closed -> open'])
    expect({
      status: open.status,
      available: open.body.ordersAvailable,
      fast: open.ms < 200,
    }).toEqual({
      status: 200,
      available: false,
      fast: true,
    })
    expect(breaker.snapshot().notPermitted).toBeGreaterThanOrEqual(1)

    await checkout.restart()
    await waitFor(
      async () => (await me(auth, buyer.token)).body.ordersAvailable && breaker.state === 'closed',
      { what: 'the breaker to close through half-open', intervalMs: 50 },
    )
    const back = await me(auth, buyer.token)

    expect(back.body.orders.map((order) => order.id)).toEqual([...buyer.ids].reverse())
    const seen = transitions.map((t) => `${t.from} -> ${t.to}`)
    expect(seen[0]).toBe('closed -> open')
    expect(seen.slice(-2)).toEqual(['open -> half_open', 'half_open -> closed'])
    const start = transitions[0]?.at ?? 0
    console.log(
      `breaker transitions: ${transitions.map((t) => `${t.from} -> ${t.to} @+${Math.round(t.at - start)} ms`).join(', ')}`,
    )
    expect(auth.errors).toEqual([])
  }, 60_000)

  it('does not count checkout refusing the call (4xx) as checkout failing', async () => {
    await using system = await authBesideCheckout()
    const breaker = system.connect('not-the-service-token')
    const buyer = await buyerWithOrders(system.auth)

    const replies = []
    for (let i = 0; i < 12; i++) replies.push(await me(system.auth, buyer.token))

    expect(replies.every((reply) => reply.status === 200 && !reply.body.ordersAvailable)).toBe(true)
    // A full window (10) of calls, none of them failures: the breaker never opened.
    expect(breaker.snapshot()).toMatchObject({
      state: 'closed',
      failures: 0,
      calls: 10,
      notPermitted: 0,
    })
  }, 60_000)
})
