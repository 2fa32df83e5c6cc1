import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createSale, startWholeStack, type WholeStack } from '@flash/testing'

/**
 * The gateway's duties on the whole service, in both deployments: checkout
 * as a process of its own behind the gateway, and checkout in the gateway's
 * process (CHECKOUT_IN_PROCESS). Whatever the deployment, a client gets the
 * same answers.
 */
describe.each([
  ['as a process of its own', false],
  ['in the gateway’s process', true],
] as const)('checkout %s', (_, checkoutInProcess) => {
  let stack: WholeStack
  beforeAll(async () => {
    stack = await startWholeStack({ checkoutInProcess })
  })
  afterAll(() => stack[Symbol.asyncDispose]())

  const order = (headers: Record<string, string>, saleId: string, key: string) =>
    fetch(`${stack.urls.gateway}/orders`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ saleId, quantity: 1 }),
    })

  it('places an order that reads back at once, keeping the client’s request id', async () => {
    const { saleId } = await createSale(stack.db, stack.redis, stack.space, { quantity: 5 })
    const buyer = await stack.headersFor('buyer', '/orders')

    const placed = await order({ ...buyer, 'x-request-id': 'client-chosen-1' }, saleId, 'k-1')
    const { orderId } = (await placed.json()) as { orderId: string }
    const read = await fetch(`${stack.urls.gateway}/orders/${orderId}`, { headers: buyer })

    expect({
      placed: placed.status,
      requestId: placed.headers.get('x-request-id'),
      nosniff: placed.headers.get('x-content-type-options'),
      read: read.status,
      status: ((await read.json()) as { status: string }).status,
    }).toEqual({
      placed: 202,
      requestId: 'client-chosen-1',
      nosniff: 'nosniff',
      read: 200,
      status: 'pending',
    })
  })

  it('serves checkout’s own /metrics at its address, with its reserve outcomes', async () => {
    const { saleId } = await createSale(stack.db, stack.redis, stack.space, { quantity: 5 })
    await order(await stack.headersFor('buyer', '/orders'), saleId, 'metrics-1')
    const scrape = await fetch(`${stack.urls.checkout}/metrics`, {
      headers: await stack.headersFor('service', '/metrics'),
    })
    const text = await scrape.text()
    expect({
      status: scrape.status,
      placed: /checkout_reserve_outcomes_total\{[^}]*outcome="placed"[^}]*\} ([1-9]\d*)/.test(text),
    }).toEqual({ status: 200, placed: true })
  })

  it('refuses a logged-out token on the very next request to checkout', async () => {
    const { saleId } = await createSale(stack.db, stack.redis, stack.space, { quantity: 5 })
    // A buyer of its own: logout-all ends every session of the user.
    const leaving = await stack.headersFor('buyer', '/auth/logout-all')
    expect((await order(leaving, saleId, 'before')).status).toBe(202)

    const logout = await fetch(`${stack.urls.gateway}/auth/logout-all`, {
      method: 'POST',
      headers: leaving,
    })
    const after = [
      await order(leaving, saleId, 'after'),
      await fetch(`${stack.urls.gateway}/orders`, { headers: leaving }),
    ]

    expect(logout.status).toBe(204)
    expect(
      await Promise.all(
        after.map(async (r) => ({ status: r.status, code: ((await r.json()) as Err).error.code })),
      ),
    ).toEqual([
      { status: 401, code: 'unauthorized' },
      { status: 401, code: 'unauthorized' },
    ])
  })

  it('refuses a 2 MB body with 413 and the API error body, at the gateway and at checkout', async () => {
    const buyer = await stack.headersFor('buyer', '/orders')
    const huge = `{"saleId":"${'x'.repeat(2 * 1024 * 1024)}","quantity":1}`
    const answers = await Promise.all(
      [stack.urls.gateway, stack.urls.checkout].map(async (base) => {
        const response = await fetch(`${base}/orders`, {
          method: 'POST',
          headers: { ...buyer, 'content-type': 'application/json', 'idempotency-key': 'huge' },
          body: huge,
        })
        return { status: response.status, code: ((await response.json()) as Err).error.code }
      }),
    )
    expect(answers).toEqual([
      { status: 413, code: 'payload_too_large' },
      { status: 413, code: 'payload_too_large' },
    ])
  })
})

type Err = { error: { code: string; message: string } }
