import { describe, expect, it } from 'bun:test'
import { orders, users } from '@flash/db'
import { freePort } from '@flash/devstack'
import { spawnApp, testDatabase, testRedis, testTokens, waitFor } from '@flash/testing'
import { eq } from 'drizzle-orm'

const repoRoot = new URL('../../..', import.meta.url).pathname

/** Runs a seed script the way `bun run start` does and returns its stdout. */
async function seed(app: string, env: Record<string, string>): Promise<string> {
  const child = Bun.spawn(['bun', `apps/${app}/src/seed.ts`], {
    cwd: repoRoot,
    env: { ...Bun.env, ...env },
    stdout: 'pipe',
    stderr: 'inherit',
  })
  const out = await new Response(child.stdout).text()
  expect(await child.exited).toBe(0)
  return out
}

describe('the whole service, as separate processes', () => {
  it('takes a buyer from login through the gateway to an order stored in MySQL', async () => {
    await using database = await testDatabase()
    await using r = await testRedis()
    const shared = { DATABASE_URL: database.url, REDIS_URL: r.url, REDIS_PREFIX: r.prefix }
    await seed('auth', shared)
    const { saleId } = JSON.parse((await seed('catalog', shared)).trim().split('\n').at(-1) ?? '')

    const [auth, catalog, checkout, gateway] = await Promise.all([1, 2, 3, 4].map(() => freePort()))
    const url = (port: number | undefined) => `http://127.0.0.1:${port}`
    await using _auth = spawnApp('auth', { ...shared, PORT: String(auth) })
    await using _catalog = spawnApp('catalog', { ...shared, PORT: String(catalog) })
    await using _checkout = spawnApp('checkout', { ...shared, PORT: String(checkout) })
    await using _worker = spawnApp('worker', { ...shared, WORKER_NAME: 'e2e' })
    await using _gateway = spawnApp('gateway', {
      ...shared,
      PORT: String(gateway),
      AUTH_URL: url(auth),
      CATALOG_URL: url(catalog),
      CHECKOUT_URL: url(checkout),
    })
    const base = url(gateway)
    await waitFor(async () => (await fetch(`${base}/ready`).catch(() => null))?.status === 200, {
      what: 'the gateway and every app to be ready',
      timeoutMs: 30_000,
    })

    const login = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'buyer1@flash.local', password: 'buyer-password' }),
    })
    expect(login.status).toBe(200)
    const { accessToken } = (await login.json()) as { accessToken: string }
    const authorization = `Bearer ${accessToken}`

    const sale = (await (await fetch(`${base}/sales/${saleId}`)).json()) as { remaining: number }
    // Watch the sale through the gateway while buying: the event stream must pass through it.
    const events = await fetch(`${base}/sales/${saleId}/events`)
    expect(events.headers.get('content-type')).toContain('text/event-stream')
    const seen: number[] = []
    const reader = events.body?.getReader()
    const watching = (async () => {
      const decoder = new TextDecoder()
      let buffer = ''
      while (reader && !seen.includes(sale.remaining - 1)) {
        const { value, done } = await reader.read()
        if (done) break
        buffer += decoder.decode(value, { stream: true })
        for (const match of buffer.matchAll(/data: (\{.*\})\n/g))
          seen.push((JSON.parse(match[1] as string) as { remaining: number }).remaining)
        buffer = buffer.slice(buffer.lastIndexOf('\n') + 1)
      }
    })()
    const placed = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json', 'idempotency-key': 'e2e-1' },
      body: JSON.stringify({ saleId, quantity: 1 }),
    })
    expect(placed.status).toBe(202)
    const { orderId } = (await placed.json()) as { orderId: string }

    const read = await fetch(`${base}/orders/${orderId}`, { headers: { authorization } })
    expect(read.status).toBe(200)
    expect(((await read.json()) as { status: string }).status).toBe('pending')

    const stored = await waitFor(
      async () => (await database.db.select().from(orders).where(eq(orders.id, orderId)))[0],
      { what: 'the order to reach MySQL' },
    )
    expect({ id: stored.id, status: stored.status, saleId: stored.saleId }).toEqual({
      id: orderId,
      status: 'pending',
      saleId,
    })
    const after = (await (await fetch(`${base}/sales/${saleId}`)).json()) as { remaining: number }
    expect(after.remaining).toBe(sale.remaining - 1)
    await waitFor(() => seen.includes(sale.remaining - 1), { what: 'the stream to show the sale' })
    await reader?.cancel()
    await watching
    expect(seen[0]).toBe(sale.remaining)
  })

  it('gives a buyer who cancels a paid order the charge back, and shows it in the order', async () => {
    await using database = await testDatabase()
    await using r = await testRedis()
    const shared = { DATABASE_URL: database.url, REDIS_URL: r.url, REDIS_PREFIX: r.prefix }
    await seed('auth', shared)
    const { saleId } = JSON.parse((await seed('catalog', shared)).trim().split('\n').at(-1) ?? '')

    const [checkout, gateway, sandbox] = await Promise.all([1, 2, 3].map(() => freePort()))
    const url = (port: number | undefined) => `http://127.0.0.1:${port}`
    await using _sandbox = spawnApp('sandbox', { PORT: String(sandbox), SANDBOX_DECLINE_RATE: '0' })
    await using _checkout = spawnApp('checkout', { ...shared, PORT: String(checkout) })
    await using _worker = spawnApp('worker', {
      ...shared,
      WORKER_NAME: 'e2e-refund',
      PAYMENT_URL: url(sandbox),
      RESEND_BASE_URL: url(sandbox),
      SCHEDULES: 'off',
    })
    await using _gateway = spawnApp('gateway', {
      ...shared,
      PORT: String(gateway),
      CHECKOUT_URL: url(checkout),
    })
    const base = url(gateway)
    await waitFor(
      async () =>
        (await fetch(`${url(checkout)}/ready`).catch(() => null))?.status === 200 &&
        (await fetch(`${url(sandbox)}/health`).catch(() => null))?.status === 200,
      { what: 'checkout and the sandbox to be ready', timeoutMs: 30_000 },
    )
    // The seeded buyer's token, signed as auth signs it (auth itself is not needed here).
    const [buyer] = await database.db
      .select({ id: users.id })
      .from(users)
      .where(eq(users.email, 'buyer1@flash.local'))
    const { token } = await testTokens.signAccess({ id: buyer?.id as string, role: 'buyer' })
    const authorization = `Bearer ${token}`
    const orderView = async (orderId: string) =>
      (await (await fetch(`${base}/orders/${orderId}`, { headers: { authorization } })).json()) as {
        status: string
        payment: { status: string }
      }

    const placed = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json', 'idempotency-key': 'e2e-2' },
      body: JSON.stringify({ saleId, quantity: 1 }),
    })
    expect(placed.status).toBe(202)
    const { orderId } = (await placed.json()) as { orderId: string }
    await waitFor(async () => (await orderView(orderId)).status === 'paid', { what: 'paid' })
    expect((await orderView(orderId)).payment).toEqual({ status: 'charged' })

    const cancelled = await fetch(`${base}/orders/${orderId}/cancel`, {
      method: 'POST',
      headers: { authorization },
    })
    expect(cancelled.status).toBe(200)
    expect(((await cancelled.json()) as { status: string }).status).toBe('cancelled')

    await waitFor(async () => (await orderView(orderId)).payment.status === 'refunded', {
      what: 'the refund shown in the order',
    })
    const charges = (await (await fetch(`${url(sandbox)}/payments?orderId=${orderId}`)).json()) as {
      items: { status: string; refundedAt: string | null }[]
    }
    expect(charges.items).toHaveLength(1)
    expect(charges.items[0]?.refundedAt).toEqual(expect.any(String))
    const mail = await waitFor(
      async () =>
        (
          (await (await fetch(`${url(sandbox)}/emails?to=buyer1@flash.local`)).json()) as {
            items: { subject: string; text: string }[]
          }
        ).items.find((e) => e.subject === 'Your payment was refunded'),
      { what: 'the refunded e-mail' },
    )
    expect(mail.text).toBe(`The payment for order ${orderId} has been refunded.`)
  })
})
