import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { offerKeys } from '@flash/redis'
import { createBuyers, createSale, parseMetrics, testTokens } from '@flash/testing'
import { countCommands, SERVICE_TOKEN, startCheckout } from './helpers.ts'

type Checkout = Awaited<ReturnType<typeof startCheckout>>

async function send(
  checkout: Checkout,
  buyer: string,
  key: string,
  body: Record<string, unknown>,
): Promise<string> {
  const { token } = await testTokens.signAccess({ id: buyer, role: 'buyer' })
  const response = await fetch(`${checkout.url}/orders`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': key,
    },
    body: JSON.stringify(body),
  })
  const answer = (await response.json()) as { error?: { code: string } }
  return `${response.status} ${answer.error?.code ?? ''}`.trim()
}

/**
 * One sale's life: two buyers take its two units (one each), the first asks
 * again (a replay, a new key, another quantity), a third buyer is refused
 * three times, then the sale ends. Returns the answers, the reserve scripts
 * the sold-out answers took, and the scrape after.
 */
async function saleLife(checkout: Checkout) {
  const { db } = checkout.database
  const [first, second, late] = (await createBuyers(db, 3)) as [string, string, string]
  const { saleId } = await createSale(db, checkout.redis.redis, checkout.space, {
    quantity: 2,
    perUserLimit: 1,
  })
  const order = { saleId, quantity: 1 }
  const answers = [
    await send(checkout, first, 'first-key', order),
    await send(checkout, first, 'first-key', order),
    await send(checkout, first, 'another-key', order),
    await send(checkout, first, 'first-key', { saleId, quantity: 2 }),
    await send(checkout, second, 'second-key', order),
  ]
  const commands = countCommands(checkout.redis.redis)
  for (let i = 0; i < 3; i++) answers.push(await send(checkout, late, `late-${i}`, order))
  commands.restore()
  await checkout.redis.redis.hset(
    offerKeys(checkout.space, { kind: 'sale', id: saleId }).meta,
    'endsAt',
    Date.now() - 1_000,
  )
  answers.push(await send(checkout, late, 'late-after-end', order))

  const scrape = await fetch(`${checkout.url}/metrics`, {
    headers: { authorization: `Bearer ${SERVICE_TOKEN}` },
  })
  const metrics = parseMetrics(await scrape.text())
  const outcomes = Object.fromEntries(
    (metrics.families.get('checkout_reserve_outcomes_total')?.samples ?? []).map((sample) => [
      sample.labels.outcome,
      sample.value,
    ]),
  )
  const timed = (status: string) =>
    metrics.value('http_request_duration_seconds_count', {
      method: 'POST',
      route: '/orders',
      status,
    })
  return {
    answers,
    outcomes,
    timed: { '2xx': timed('2xx'), '4xx': timed('4xx') },
    soldOutScripts: commands.names.filter((name) => name.startsWith('eval')).length,
  }
}

describe('reserve outcomes in /metrics', () => {
  let flagged: Checkout
  let unflagged: Checkout
  beforeAll(async () => {
    flagged = await startCheckout({ soldOutFlagMs: 60_000 })
    unflagged = await startCheckout({ soldOutFlagMs: 0 })
  })
  afterAll(async () => {
    await flagged?.[Symbol.asyncDispose]()
    await unflagged?.[Symbol.asyncDispose]()
  })

  it('counts each answer by outcome, the sold-out shortcut’s as the script’s, and times each order', async () => {
    const [shortcut, fullPath] = await Promise.all([saleLife(flagged), saleLife(unflagged)])
    const expected = {
      answers: [
        '202',
        '202',
        '409 limit_reached',
        '422 idempotency_key_reused',
        '202',
        '409 sold_out',
        '409 sold_out',
        '409 sold_out',
        '410 sale_ended',
      ],
      outcomes: {
        placed: 2,
        replayed: 1,
        sold_out: 3,
        limit_reached: 1,
        sale_not_started: 0,
        sale_ended: 1,
        idempotency_key_reused: 1,
        rate_limited: 0,
        token_revoked: 0,
        not_found: 0,
        recovering: 0,
        rebalancing: 0,
        unavailable: 0,
      },
      timed: { '2xx': 3, '4xx': 6 },
    }
    expect({
      shortcut: { ...shortcut, soldOutScripts: 0 },
      fullPath: { ...fullPath, soldOutScripts: 0 },
    }).toEqual({
      shortcut: { ...expected, soldOutScripts: 0 },
      fullPath: { ...expected, soldOutScripts: 0 },
    })
    // The flagged process answered the last two sold-outs without the script; the other never skips it.
    expect([shortcut.soldOutScripts, fullPath.soldOutScripts]).toEqual([1, 3])
  })
})
