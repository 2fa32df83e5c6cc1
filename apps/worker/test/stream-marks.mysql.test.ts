import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { OrderPlaced } from '@flash/contracts'
import { orders } from '@flash/db'
import { createBuyers, createProduct, type TestDatabase, testDatabase } from '@flash/testing'
import { count } from 'drizzle-orm'
import { writeOrders } from '../src/consumers/order-rows.ts'
import { lastAppliedEntryId, raiseStreamMark } from '../src/consumers/stream-marks.ts'

describe("the orders stream's mark in MySQL", () => {
  let database: TestDatabase
  let userId: string
  let productId: string

  beforeAll(async () => {
    database = await testDatabase()
    ;[userId] = (await createBuyers(database.db, 1)) as [string]
    productId = await createProduct(database.db, { stock: 100 })
  })
  afterAll(() => database[Symbol.asyncDispose]())

  const streamName = () => `t:{p0}:stream:orders:${crypto.randomUUID()}`

  function placed(buyer: string): OrderPlaced {
    return {
      type: 'order.placed',
      orderId: Bun.randomUUIDv7(),
      seq: 1,
      userId: buyer,
      saleId: null,
      productId,
      quantity: 1,
      unitPrice: 700,
      total: 700,
      idempotencyKey: `k-${crypto.randomUUID()}`,
      placedAt: new Date(),
    }
  }

  it('is null for a stream the order-writer never applied', async () => {
    expect(await lastAppliedEntryId(database.db, streamName())).toBeNull()
  })

  it("is the highest entry id of the batches written, compared as numbers, whatever the batches' order", async () => {
    const stream = streamName()
    const marks: (string | null)[] = []
    for (const ids of [['9-5', '10-0', '9-7'], ['9-99'], ['10-2', '10-10'], ['100-0'], ['99-3']]) {
      await raiseStreamMark(database.db, stream, ids, new Date())
      marks.push(await lastAppliedEntryId(database.db, stream))
    }

    expect(marks).toEqual(['10-0', '10-0', '10-10', '100-0', '100-0'])
  })

  it("is raised by the order-writer's batch, in its transaction: a batch that fails leaves it where it was", async () => {
    const stream = streamName()
    const write = writeOrders(database.db, stream)

    const stored = await write([{ id: '1700000000000-0', event: placed(userId) }])
    const refused = await write([
      { id: '1700000000001-0', event: placed(userId) },
      // No such buyer: the foreign key refuses the batch.
      { id: '1700000000001-1', event: placed(Bun.randomUUIDv7()) },
    ])
    const [rows] = await database.db.select({ n: count() }).from(orders)

    expect({
      stored: stored.isOk(),
      refused: refused.isErr(),
      mark: await lastAppliedEntryId(database.db, stream),
      orders: rows?.n,
    }).toEqual({ stored: true, refused: true, mark: '1700000000000-0', orders: 1 })
  })
})
