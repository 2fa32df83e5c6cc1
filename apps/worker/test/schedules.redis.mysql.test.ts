import { describe, expect, it, setDefaultTimeout } from 'bun:test'
import { findOrderState, moveOrderState, offerKeys } from '@flash/redis'
import { advanceOrderStatuses, defaultTimings } from '../src/jobs/order-statuses.ts'
import { reconcileSales } from '../src/jobs/reconcile.ts'
import { pipeline, placeOrders, waitForStatus } from './helpers.ts'

// Real processes and a thousand orders each: minutes are possible on a loaded machine.
setDefaultTimeout(120_000)

const DAY = 86_400_000

describe('the order status schedule', () => {
  it('ships at D+1, delivers at D+2 and completes a return a day after it was asked for, with the unit back in stock', async () => {
    await using p = await pipeline()
    const { saleId, orderIds } = await placeOrders(p, 3)
    const stock = offerKeys(p.r.space, { kind: 'sale', id: saleId }).stock
    await using _worker = p.startWorker()
    await waitForStatus(p, orderIds, 'paid')
    const paidAt = Date.now()

    expect(await advanceOrderStatuses(p.ctx, new Date(paidAt + DAY / 2), defaultTimings)).toEqual({
      shipping: 0,
      delivered: 0,
      returned: 0,
    })
    expect(
      (await advanceOrderStatuses(p.ctx, new Date(paidAt + DAY + 60_000), defaultTimings)).shipping,
    ).toBe(3)
    await waitForStatus(p, orderIds, 'shipping')
    expect(
      (await advanceOrderStatuses(p.ctx, new Date(paidAt + 2 * DAY + 120_000), defaultTimings))
        .delivered,
    ).toBe(3)
    await waitForStatus(p, orderIds, 'delivered')

    const [returning] = orderIds as [string]
    const state = await findOrderState(p.r.redis, p.r.space, returning)
    if (!state) throw new Error('no live state')
    const asked = await moveOrderState(p.r.redis, p.r.space, state, {
      userId: state.userId,
      from: ['delivered'],
      to: 'return_requested',
      restore: false,
      ttlSeconds: 3600,
    })
    expect(asked.isOk()).toBe(true)
    await waitForStatus(p, [returning], 'return_requested')
    expect(await p.r.redis.get(stock)).toBe('0')

    const moved = await advanceOrderStatuses(
      p.ctx,
      new Date(Date.now() + DAY + 60_000),
      defaultTimings,
    )
    expect(moved.returned).toBe(1)
    await waitForStatus(p, [returning], 'returned')
    expect(await p.r.redis.get(stock)).toBe('1')
    // Running it again changes nothing.
    expect(
      await advanceOrderStatuses(p.ctx, new Date(Date.now() + DAY + 60_000), defaultTimings),
    ).toEqual({
      shipping: 0,
      delivered: 0,
      returned: 0,
    })
    expect(await p.r.redis.get(stock)).toBe('1')
  })
})

describe('reconciliation', () => {
  it('repairs a drift made on purpose, once, and leaves a right stock alone', async () => {
    await using p = await pipeline()
    const { saleId, orderIds } = await placeOrders(p, 10, 25)
    const stock = offerKeys(p.r.space, { kind: 'sale', id: saleId }).stock
    {
      await using _worker = p.startWorker()
      await waitForStatus(p, orderIds, 'paid')
    }
    expect(await p.r.redis.get(stock)).toBe('15')

    await p.r.redis.set(stock, 999)
    const first = await reconcileSales(p.ctx, new Date())
    const second = await reconcileSales(p.ctx, new Date())

    expect({ first, second, stock: await p.r.redis.get(stock) }).toEqual({
      first: { checked: 1, repaired: 1, inFlight: 0 },
      second: { checked: 1, repaired: 0, inFlight: 0 },
      stock: '15',
    })
  })

  it('does not judge a sale while its order events are still in flight', async () => {
    await using p = await pipeline()
    const { saleId } = await placeOrders(p, 2, 10)
    const stock = offerKeys(p.r.space, { kind: 'sale', id: saleId }).stock
    // Nothing has been written to MySQL yet: the record would say 0 units held.
    const report = await reconcileSales(p.ctx, new Date())
    expect(report).toEqual({ checked: 0, repaired: 0, inFlight: 1 })
    expect(await p.r.redis.get(stock)).toBe('8')
  })
})
