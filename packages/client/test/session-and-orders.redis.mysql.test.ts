import { afterAll, beforeAll, describe, expect, it, setSystemTime } from 'bun:test'
import { createSale, startWholeStack, type WholeStack, waitFor } from '@flash/testing'
import { createClient, memorySessionStore, type StoredSession } from '../src/index.ts'
import { codeFromMail, newBuyer } from './support/buyers.ts'
import { recordingFetch } from './support/recording-fetch.ts'

/**
 * The client against the whole service as separate processes (gateway,
 * auth, catalog, checkout, the worker and the sandbox for mail and
 * payments). Each test makes its own buyers and sales.
 */
let stack: WholeStack

beforeAll(async () => {
  stack = await startWholeStack({ payments: true })
}, 60_000)

afterAll(async () => {
  await stack?.[Symbol.asyncDispose]()
})

/** A new buyer, signed in with a client of its own that records what it sends. */
async function signedInBuyer() {
  const store = memorySessionStore()
  const network = recordingFetch()
  const client = createClient(stack.urls.gateway, { fetch: network.fetch, session: store })
  ;(await client.session.login(await newBuyer(stack)))._unsafeUnwrap()
  return { client, store, network }
}

describe('a buyer using the client', () => {
  it('signs up with the e-mailed code, logs in, buys once across a retry whose first answer was lost, and logs out', async () => {
    const { saleId } = await createSale(stack.db, stack.redis, stack.space, {
      quantity: 5,
      perUserLimit: 2,
    })
    const network = recordingFetch()
    const client = createClient(stack.urls.gateway, { fetch: network.fetch })
    const changes: (StoredSession | null)[] = []
    client.session.onChange((session) => changes.push(session))
    const email = `client-${crypto.randomUUID().slice(0, 8)}@shop.example`
    const password = 'a long enough password'

    const signup = await client.session.signup({ email, password, name: 'Client Buyer' })
    expect(signup._unsafeUnwrap()).toEqual({ status: 'verification_sent' })
    const verified = await client.session.verify({ email, code: await codeFromMail(stack, email) })
    const { userId } = verified._unsafeUnwrap()
    const login = await client.session.login({ email, password })
    const session = login._unsafeUnwrap()
    expect(client.session.current()).toEqual(session)
    expect((await client.session.me())._unsafeUnwrap()).toMatchObject({ id: userId, email })

    const purchase = client.orders.purchase({ saleId, quantity: 1 })
    network.loseNextAnswer('POST', '/orders')
    const lost = await purchase.place()
    const placed = await purchase.place()
    const { orderId } = placed._unsafeUnwrap()
    expect({
      lost: lost._unsafeUnwrapErr().code,
      placed: placed._unsafeUnwrap(),
      keysSent: network.sent('POST', '/orders').map((c) => c.idempotencyKey),
      answers: network.sent('POST', '/orders').map((c) => c.status),
    }).toEqual({
      lost: 'network_error',
      placed: { orderId, status: 'pending' },
      keysSent: [purchase.key, purchase.key],
      answers: ['lost', 202],
    })
    // Taken once: one unit gone, one order. The list is read from MySQL, where
    // the worker stores the order shortly after the 202 (GET /orders/:id has it at once).
    const sale = (await client.catalog.sale(saleId))._unsafeUnwrap()
    const listed = await waitFor(
      async () => {
        const page = (await client.orders.list())._unsafeUnwrap()
        return page.items.length > 0 && page.items.map((o) => o.id)
      },
      { what: 'the order in the list', timeoutMs: 15_000 },
    )
    expect({ remaining: sale.remaining, orders: listed }).toEqual({
      remaining: 4,
      orders: [orderId],
    })

    const paid = await waitFor(
      async () => {
        const order = (await client.orders.get(orderId))._unsafeUnwrap()
        return order.status === 'paid' && order
      },
      { what: 'the order to be paid', timeoutMs: 30_000 },
    )
    expect(paid).toMatchObject({ id: orderId, payment: { status: 'charged' }, total: 5_000 })
    const cancelled = (await client.orders.cancel(orderId))._unsafeUnwrap()
    expect(cancelled.status).toBe('cancelled')

    const logout = await client.session.logout()
    const afterLogout = await client.orders.get(orderId)
    // The old tokens are dead on the server too: a client still holding them is signed out.
    const stale = createClient(stack.urls.gateway, { session: memorySessionStore(session) })
    const staleRead = await stale.orders.get(orderId)
    expect({
      logout: logout.isOk(),
      current: client.session.current(),
      changes,
      afterLogout: afterLogout._unsafeUnwrapErr(),
      staleRead: staleRead._unsafeUnwrapErr().code,
      staleSession: stale.session.current(),
    }).toEqual({
      logout: true,
      current: null,
      changes: [session, null],
      afterLogout: { status: 401, code: 'unauthorized', message: expect.any(String) },
      staleRead: 'unauthorized',
      staleSession: null,
    })
  }, 90_000)

  it('gets the API error codes, typed: limit reached, sold out, not found, forbidden', async () => {
    const { saleId } = await createSale(stack.db, stack.redis, stack.space, {
      quantity: 1,
      perUserLimit: 1,
    })
    const first = await signedInBuyer()
    const second = await signedInBuyer()

    const won = await first.client.orders.purchase({ saleId, quantity: 1 }).place()
    const again = await first.client.orders.purchase({ saleId, quantity: 1 }).place()
    const late = await second.client.orders.purchase({ saleId, quantity: 1 }).place()
    const missing = await first.client.catalog.sale(crypto.randomUUID())
    const notAdmin = await first.client.catalog.createProduct({ name: 'x', price: 1, stock: 1 })
    expect({
      won: won.isOk(),
      again: again._unsafeUnwrapErr(),
      late: late._unsafeUnwrapErr(),
      missing: missing._unsafeUnwrapErr().code,
      notAdmin: notAdmin._unsafeUnwrapErr(),
    }).toEqual({
      won: true,
      again: { status: 409, code: 'limit_reached', message: expect.any(String) },
      late: { status: 409, code: 'sold_out', message: expect.any(String) },
      missing: 'not_found',
      notAdmin: { status: 403, code: 'forbidden', message: expect.any(String) },
    })
  }, 60_000)

  it('lets an admin create a product and a flash sale of it', async () => {
    const authorization = (await stack.headersFor('admin', '/products')).authorization ?? ''
    const admin = createClient(stack.urls.gateway, {
      session: memorySessionStore({
        accessToken: authorization.replace(/^Bearer /, ''),
        refreshToken: 'not used: the token outlives the test',
        expiresAt: Date.now() + 10 * 60_000,
      }),
    })
    const product = (
      await admin.catalog.createProduct({ name: 'Client kettle', price: 30_000, stock: 10 })
    )._unsafeUnwrap()
    const startsAt = new Date(Date.now() + 3_600_000)
    const sale = (
      await admin.catalog.createSale({
        productId: product.id,
        price: 20_000,
        quantity: 4,
        perUserLimit: 1,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 3_600_000),
      })
    )._unsafeUnwrap()
    const upcoming = (await admin.catalog.sales({ status: 'upcoming' }))._unsafeUnwrap()
    expect({
      product: { name: product.name, price: product.price, stock: product.stock },
      sale: {
        productId: sale.productId,
        quantity: sale.quantity,
        status: sale.status,
        startsAt: sale.startsAt,
      },
      listed: upcoming.items.some((s) => s.id === sale.id),
    }).toEqual({
      product: { name: 'Client kettle', price: 30_000, stock: 10 },
      sale: {
        productId: product.id,
        quantity: 4,
        status: 'upcoming',
        startsAt: startsAt.toISOString(),
      },
      listed: true,
    })
  }, 60_000)
})

describe("the client's session", () => {
  it('refreshes an expiring session once for many concurrent calls, and every call succeeds with the new token', async () => {
    const { client, store, network } = await signedInBuyer()
    const before = store.load() as StoredSession
    // The access token is about to expire: each call below would refresh it on its own.
    store.save({ ...before, expiresAt: Date.now() + 1_000 })
    const changes: (StoredSession | null)[] = []
    client.session.onChange((session) => changes.push(session))

    const answers = await Promise.all([
      client.orders.list(),
      client.orders.list({ limit: 1 }),
      client.session.me(),
      client.orders.get(crypto.randomUUID()),
      client.orders.list(),
    ])
    const after = store.load()
    expect({
      refreshes: network.sent('POST', '/auth/refresh').length,
      answers: answers.map((a) => (a.isOk() ? 'ok' : a.error.code)),
      rotated: after !== null && after.refreshToken !== before.refreshToken,
      changes: changes.length,
    }).toEqual({
      refreshes: 1,
      answers: ['ok', 'ok', 'ok', 'not_found', 'ok'],
      rotated: true,
      changes: 1,
    })
  }, 30_000)

  it('refreshes once when the server refuses the token, and sends each refused call once more', async () => {
    const { client, store, network } = await signedInBuyer()
    const before = store.load() as StoredSession
    // A token the server refuses though it looks fresh here (as a logged-out one would be).
    store.save({ ...before, accessToken: `${before.accessToken}x` })

    const answers = await Promise.all([
      client.orders.list(),
      client.session.me(),
      client.orders.list({ limit: 2 }),
    ])
    const statuses = network.calls
      .filter((c) => c.path !== '/auth/login')
      .map((c) => `${c.path} ${c.status}`)
      .sort()
    expect({
      refreshes: network.sent('POST', '/auth/refresh').length,
      answers: answers.map((a) => a.isOk()),
      statuses,
    }).toEqual({
      refreshes: 1,
      answers: [true, true, true],
      statuses: [
        '/auth/me 200',
        '/auth/me 401',
        '/auth/refresh 200',
        '/orders 200',
        '/orders 200',
        '/orders 401',
        '/orders 401',
      ],
    })
  }, 30_000)

  it('signs out when the refresh token is refused, and says so to its listeners', async () => {
    const { client, store } = await signedInBuyer()
    const before = store.load() as StoredSession
    store.save({ ...before, expiresAt: 0, refreshToken: 'refused' })
    const changes: (StoredSession | null)[] = []
    client.session.onChange((session) => changes.push(session))

    const read = await client.orders.list()
    expect({
      read: read._unsafeUnwrapErr().status,
      current: client.session.current(),
      changes,
    }).toEqual({ read: 401, current: null, changes: [null] })
  }, 30_000)
})

describe("the client's view of the server's clock", () => {
  it("follows the server's clock, not this device's, after a sync", async () => {
    const client = createClient(stack.urls.gateway)
    const hour = 3_600_000
    // This device's clock an hour fast (and standing still, as bun's setSystemTime leaves it).
    setSystemTime(new Date(Date.now() + hour))
    try {
      const synced = await client.clock.sync()
      const reference = await fetch(`${stack.urls.gateway}/time`)
      const serverNow = Date.parse(((await reference.json()) as { now: string }).now)
      // The gateway runs on this machine: what is left is the estimate's own error.
      expect({
        synced: synced.isOk(),
        offsetWithinBound: Math.abs(client.clock.offsetMs() + hour) < 250,
        nowWithinBound: Math.abs(client.clock.now() - serverNow) < 250,
      }).toEqual({ synced: true, offsetWithinBound: true, nowWithinBound: true })
    } finally {
      setSystemTime()
    }
  })
})
