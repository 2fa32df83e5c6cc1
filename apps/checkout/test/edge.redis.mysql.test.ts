import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createBuyers, createSale, waitFor } from '@flash/testing'
import { placeOrder, SERVICE_TOKEN, startCheckout } from './helpers.ts'

let checkout: Awaited<ReturnType<typeof startCheckout>>
beforeAll(async () => {
  // No sold-out flag: the second order is refused by the route itself (a Response), not early.
  checkout = await startCheckout({ soldOutFlagMs: 0 })
})
afterAll(() => checkout?.[Symbol.asyncDispose]())

const metrics = (authorization?: string) =>
  fetch(`${checkout.url}/metrics`, { headers: authorization ? { authorization } : {} })

describe("checkout's edge", () => {
  it('counts POST /orders under the status each answer had, and marks the answers no-store and nosniff', async () => {
    const { db } = checkout.database
    const [first, second] = (await createBuyers(db, 2)) as [string, string]
    const { saleId } = await createSale(db, checkout.redis.redis, checkout.space, {
      quantity: 1,
    })
    const placed = await placeOrder(checkout.url, first, { saleId, quantity: 1 })
    const refused = await placeOrder(checkout.url, second, { saleId, quantity: 1 })

    const counted = await waitFor(
      async () => {
        const lines = (await (await metrics(`Bearer ${SERVICE_TOKEN}`)).text())
          .split('\n')
          .filter((line) =>
            line.startsWith('http_requests_total{service="checkout",method="POST",route="/orders"'),
          )
        return lines.length === 2 && lines
      },
      { what: 'both orders to be counted' },
    )
    expect({
      statuses: [placed.status, refused.status],
      headers: [placed, refused].map(({ headers }) => [
        headers.get('cache-control'),
        headers.get('x-content-type-options'),
      ]),
      counted: counted.sort(),
    }).toEqual({
      statuses: [202, 409],
      headers: [
        ['no-store', 'nosniff'],
        ['no-store', 'nosniff'],
      ],
      counted: [
        'http_requests_total{service="checkout",method="POST",route="/orders",status="202"} 1',
        'http_requests_total{service="checkout",method="POST",route="/orders",status="409"} 1',
      ],
    })
  })

  it('serves /metrics only with the service credential', async () => {
    const answers = await Promise.all(
      [undefined, 'Bearer not-it', `Bearer ${SERVICE_TOKEN}`].map(async (authorization) => {
        const response = await metrics(authorization)
        const text = await response.text()
        return {
          status: response.status,
          code: response.ok ? text.split('\n')[0]?.slice(0, 6) : JSON.parse(text).error.code,
        }
      }),
    )
    expect(answers).toEqual([
      { status: 401, code: 'unauthorized' },
      { status: 401, code: 'unauthorized' },
      { status: 200, code: '# HELP' },
    ])
  })
})
