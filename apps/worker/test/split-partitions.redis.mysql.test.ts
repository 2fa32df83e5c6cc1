import { describe, expect, it, setDefaultTimeout } from 'bun:test'
import { keySpace, markFreshKeySpace, partitionOf, reserve, streamKey } from '@flash/redis'
import { createBuyers, createSale } from '@flash/testing'
import { ORDER_WRITER_GROUP } from '../src/consumers/order-writer.ts'
import { PAYMENT_GROUP } from '../src/consumers/payment.ts'
import { type Pipeline, pipeline, waitForStatus } from './helpers.ts'

// Real worker processes on two partitions.
setDefaultTimeout(120_000)

const PARTITIONS = 2

/**
 * One sale in each of the two partitions and `perSale` one-unit orders on
 * each, reserved as checkout would, under the pipeline's prefix with two
 * partitions (stamped current, as the worker's first recovery would).
 */
async function ordersOnEveryPartition(p: Pipeline, perSale: number) {
  const space = keySpace(p.r.prefix, PARTITIONS)
  await markFreshKeySpace(p.r.redis, space)
  const sales = new Map<number, string>()
  while (sales.size < PARTITIONS) {
    const { saleId } = await createSale(p.database.db, p.r.redis, space, {
      quantity: perSale,
      perUserLimit: 1,
    })
    sales.set(partitionOf(space, saleId), saleId)
  }
  const buyers = await createBuyers(p.database.db, perSale)
  const orderIds: string[] = []
  for (const saleId of sales.values())
    for (const [i, userId] of buyers.entries()) {
      const orderId = Bun.randomUUIDv7()
      const placed = await reserve(p.r.redis, space, {
        offer: { kind: 'sale', id: saleId },
        orderId,
        userId,
        quantity: 1,
        fingerprint: 'f',
        idempotencyKey: `${saleId}-${i}`,
        idempotencyTtlSeconds: 600,
        orderTtlSeconds: 3600,
      })
      if (placed.isErr()) throw new Error(`could not place an order: ${placed.error.type}`)
      orderIds.push(orderId)
    }
  return { space, orderIds }
}

/** The consumers each partition's group has had, by name. */
async function consumersOf(
  p: Pipeline,
  space: ReturnType<typeof keySpace>,
  stream: string,
  group: string,
) {
  const byPartition: string[][] = []
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const reply = (await p.r.redis.xinfo(
      'CONSUMERS',
      streamKey(space, partition, stream),
      group,
    )) as unknown[][]
    byPartition.push(reply.map((flat) => String(flat[1])).sort())
  }
  return byPartition
}

const worker = (index: number, count: number, extra: Record<string, string> = {}) => ({
  WORKER_NAME: `worker-${index}`,
  WORKER_INDEX: String(index),
  WORKER_COUNT: String(count),
  REDIS_PARTITIONS: String(PARTITIONS),
  ...extra,
})

describe('workers splitting partitions', () => {
  it('pays every order with two workers, each consuming only its own partition', async () => {
    await using p = await pipeline()
    const { space, orderIds } = await ordersOnEveryPartition(p, 20)
    await using _first = p.startWorker(worker(1, 2))
    await using _second = p.startWorker(worker(2, 2))

    await waitForStatus(p, orderIds, 'paid', 60_000)

    expect({
      writers: await consumersOf(p, space, 'orders', ORDER_WRITER_GROUP),
      payers: await consumersOf(p, space, 'payments', PAYMENT_GROUP),
    }).toEqual({
      writers: [['worker-1'], ['worker-2']],
      payers: [['worker-1'], ['worker-2']],
    })
  })

  it('drains a partition whose worker never comes: another worker adopts it once its entries have waited long enough', async () => {
    await using p = await pipeline()
    const { space, orderIds } = await ordersOnEveryPartition(p, 20)
    // Worker 2 of 2 is down for good: partition 1 has no consumer of its own.
    await using _first = p.startWorker(
      worker(1, 2, { WORKER_ADOPT_AFTER_MS: '500', WORKER_ADOPT_EVERY_MS: '100' }),
    )

    await waitForStatus(p, orderIds, 'paid', 60_000)

    expect(await consumersOf(p, space, 'orders', ORDER_WRITER_GROUP)).toEqual([
      ['worker-1'],
      ['worker-1'],
    ])
  })
})
