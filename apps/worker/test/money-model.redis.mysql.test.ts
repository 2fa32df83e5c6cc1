import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from 'bun:test'
import { offerKeys } from '@flash/redis'
import fc from 'fast-check'
import { type MoneyModel, modelSteps, moneyModel } from './money-model.ts'

/**
 * The money model on an unsplit sale: random sequences of what buyers, the
 * provider, the clock and crashes do to a few orders handled by two worker
 * processes; once all is quiet, every order must hold the shop's promises
 * (money-model.ts) and the sale's stock is what the orders left. Real
 * processes, so few runs of short sequences; a failure prints the sequence
 * that broke it.
 */
setDefaultTimeout(600_000)

const ORDERS = 4
const UNITS = 3

describe('the money model', () => {
  let model: MoneyModel
  beforeAll(async () => {
    model = await moneyModel({ orders: ORDERS, units: UNITS })
  })
  afterAll(async () => {
    await model?.[Symbol.asyncDispose]()
  })

  it('keeps a charge exactly for the orders that keep their units, returns stock once, and MySQL ends equal to Redis', async () => {
    const { placing, actions } = modelSteps(ORDERS)
    await fc.assert(
      fc.asyncProperty(placing, actions, async (placing, actions) => {
        const run = await model.newRun()
        for (const step of [...placing, ...actions]) await model.perform(run, step)
        await model.settle(run)
        const holders = await model.checkPromises(run)
        const { r } = model.p
        const stock = await r.redis.get(offerKeys(r.space, { kind: 'sale', id: run.saleId }).stock)
        expect(Number(stock)).toBe(UNITS - holders.length)
      }),
      { numRuns: 10, endOnFailure: true },
    )
  })
})
