import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from 'bun:test'
import { saleBuckets, stockTransfers } from '@flash/db'
import { bucketPartition, buyerBucket, offerKeys } from '@flash/redis'
import { waitFor } from '@flash/testing'
import { asc, eq } from 'drizzle-orm'
import fc from 'fast-check'
import { type Action, type MoneyModel, modelSteps, moneyModel } from './money-model.ts'

/**
 * The money model on a sale split into buckets (issue 18): the same random
 * sequences and the same promises as on an unsplit sale
 * (money-model.redis.mysql.test.ts), on a sale of UNITS units in 3 buckets
 * over a key space of 3 partitions, buyer i served by bucket i mod 3, and
 * the balancer moving units between the buckets in worker 0 (crashed with
 * it now and then). Once all is quiet the stock must still add up, bucket
 * by bucket: each bucket's Redis stock is its MySQL allotment less the
 * units its own buyers' orders hold, and the allotments add up to the sale.
 */
setDefaultTimeout(600_000)

const ORDERS = 4
const UNITS = 3
const BUCKETS = 3

/** A croner pattern for "not during this test": the year 9999. */
const NEVER = '0 0 0 1 1 * 9999'

/**
 * Worker 0 runs the schedules, as worker 1 of `bun run start` does: the
 * balancer often, so a short bucket is refilled within a client's retry,
 * and reconciliation every second, since the two share a lock and must not
 * undo each other. The streams are never trimmed: the model reads each
 * order's moves back from its partition's orders stream. The other
 * schedules find nothing to do (orders paid a day ago, unpaid for fifteen
 * minutes) or write what the model does not read (stock sync's remaining).
 */
const SCHEDULES = {
  SCHEDULES: 'on',
  BUCKET_BALANCE_MS: '50',
  SCHEDULE_RECONCILE: '* * * * * *',
  SCHEDULE_TRIM: NEVER,
}

/**
 * Every run begins with buyers 0 and 3, who share bucket 0 and its one unit:
 * the second waits (Rebalancing) for a transfer, so each run moves units.
 * Both charges succeed (a charge takes the fate scripted last, maybe the
 * other order's; a declined one would give bucket 0 its unit back).
 */
const SHARING: Action[] = [
  { type: 'place', order: 0, fate: 'succeeded' },
  { type: 'place', order: 3, fate: 'succeeded' },
]

describe('the money model on a sale split into buckets', () => {
  let model: MoneyModel
  beforeAll(async () => {
    model = await moneyModel({
      orders: ORDERS,
      units: UNITS,
      buckets: BUCKETS,
      partitions: BUCKETS,
      workerEnv: (worker) => (worker === 0 ? SCHEDULES : {}),
    })
  })
  afterAll(async () => {
    await model?.[Symbol.asyncDispose]()
  })

  it("keeps the promises, and every bucket's stock is its allotment less its own buyers' units, the allotments adding up to the sale", async () => {
    const { placing, actions } = modelSteps(ORDERS)
    await fc.assert(
      fc.asyncProperty(placing, actions, async (placing, actions) => {
        const run = await model.newRun()
        for (const step of [...SHARING, ...placing, ...actions]) await model.perform(run, step)
        await model.settle(run)
        const holders = await model.checkPromises(run)
        const { stocks, allotments, transfers } = await settledBuckets(run.saleId)
        const heldIn = (bucket: number) =>
          holders.filter((userId) => buyerBucket(userId, BUCKETS) === bucket).length
        expect({
          stock: sum(stocks),
          allotted: sum(allotments),
          stocks,
          transferred: transfers.some((t) => t.state === 'done'),
        }).toEqual({
          stock: UNITS - holders.length,
          allotted: UNITS,
          stocks: allotments.map((allotment, bucket) => allotment - heldIn(bucket)),
          transferred: true,
        })
      }),
      { numRuns: 6, endOnFailure: true },
    )
  })

  /**
   * Each bucket's Redis stock and MySQL allotment, read while no transfer
   * of the sale is under way and none began meanwhile (the balancer goes
   * on ticking: a read across a transfer's steps would not add up).
   */
  function settledBuckets(saleId: string) {
    const { r, database } = model.p
    const transfers = () =>
      database.db
        .select({ id: stockTransfers.id, state: stockTransfers.state })
        .from(stockTransfers)
        .where(eq(stockTransfers.saleId, saleId))
        .orderBy(asc(stockTransfers.id))
    return waitFor(
      async () => {
        const before = await transfers()
        if (before.some((t) => t.state === 'taking' || t.state === 'moved')) return undefined
        const stocks = await Promise.all(
          Array.from({ length: BUCKETS }, async (_, bucket) => {
            const partition = bucketPartition(r.space, saleId, bucket)
            const keys = offerKeys(r.space, { kind: 'sale', id: saleId }, partition)
            return Number(await r.redis.get(keys.stock))
          }),
        )
        const rows = await database.db
          .select({ allotment: saleBuckets.allotment })
          .from(saleBuckets)
          .where(eq(saleBuckets.saleId, saleId))
          .orderBy(asc(saleBuckets.bucket))
        const after = await transfers()
        if (JSON.stringify(after) !== JSON.stringify(before)) return undefined
        return { stocks, allotments: rows.map((row) => row.allotment), transfers: after }
      },
      { what: 'the buckets read with no transfer under way' },
    )
  }
})

function sum(values: readonly number[]): number {
  return values.reduce((total, n) => total + n, 0)
}
