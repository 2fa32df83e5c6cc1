import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { orders } from '@flash/db'
import { findOrderStates } from '@flash/redis'
import {
  createBuyers,
  createSale,
  type TestDatabase,
  type TestRedis,
  testDatabase,
  testRedis,
} from '@flash/testing'
import { inArray } from 'drizzle-orm'
import fc from 'fast-check'
import { writeOrders } from '../src/consumers/order-rows.ts'
import {
  type Batch,
  CANCEL_PAID,
  CANCEL_PENDING,
  deliveredAs,
  deliveries,
  LIVES,
  type Life,
  orderLives,
  PAY,
} from './order-lives.ts'

// MySQL must end with what Redis decided for every order, whatever order the
// order events are applied in: two workers of one group take batches side by
// side, a failed batch is retried after later ones, a dead worker's entries
// are reclaimed by another. Orders here go through the real scripts; their
// events are then applied in adversarial orders.

describe('the order-writer, whatever order the order events arrive in', () => {
  let database: TestDatabase
  let r: TestRedis
  let buyers: string[]
  let saleId: string
  let lives_: ReturnType<typeof orderLives>

  beforeAll(async () => {
    database = await testDatabase()
    r = await testRedis()
    buyers = await createBuyers(database.db, 8)
    lives_ = orderLives(r, buyers)
    ;({ saleId } = await createSale(database.db, r.redis, r.space, {
      quantity: 1_000_000,
      perUserLimit: 1_000_000,
    }))
  })
  afterAll(async () => {
    await r[Symbol.asyncDispose]()
    await database[Symbol.asyncDispose]()
  })

  async function live(lives: Life[]): Promise<{ ids: string[]; events: Batch }> {
    const ids = await lives_.place({ kind: 'sale', id: saleId }, lives)
    return { ids, events: await lives_.events() }
  }

  async function apply(batches: Batch[]): Promise<void> {
    for (const batch of batches) {
      const written = await writeOrders(database.db)(batch)
      if (written.isErr()) throw written.error
    }
  }

  /** Each order as Redis has it and as MySQL has it: the two must be equal. */
  async function both(ids: string[]) {
    const states = await findOrderStates(r.redis, r.space, ids)
    const rows = await database.db
      .select({
        id: orders.id,
        status: orders.status,
        seq: orders.seq,
        total: orders.total,
        updatedAt: orders.updatedAt,
      })
      .from(orders)
      .where(inArray(orders.id, ids))
    const byId = new Map(rows.map((row) => [row.id, row]))
    return {
      redis: ids.map((id) => {
        const state = states.get(id)
        return (
          state && {
            status: state.status,
            seq: state.seq,
            total: state.total,
            updatedAt: state.updatedAt,
          }
        )
      }),
      mysql: ids.map((id) => {
        const row = byId.get(id)
        return (
          row && { status: row.status, seq: row.seq, total: row.total, updatedAt: row.updatedAt }
        )
      }),
    }
  }

  it('keeps a cancel applied before the order it cancels', async () => {
    const { ids, events } = await live([[CANCEL_PENDING]])
    const [placed, cancelled] = events
    await apply([[cancelled], [placed]] as Batch[])

    const { redis, mysql } = await both(ids)
    expect(mysql).toEqual(redis)
    expect(mysql[0]?.status).toBe('cancelled')
  })

  it('keeps a cancel when the payment before it is applied after it', async () => {
    const { ids, events } = await live([[PAY, CANCEL_PAID]])
    const [placed, paid, cancelled] = events
    await apply([[placed], [cancelled], [paid]] as Batch[])

    const { redis, mysql } = await both(ids)
    expect(mysql).toEqual(redis)
    expect(mysql[0]?.status).toBe('cancelled')
  })

  it('ends the same when the later batches come first and every batch comes twice', async () => {
    const { ids, events } = await live(LIVES)
    const batches: Batch[] = []
    for (let at = 0; at < events.length; at += 3) batches.push(events.slice(at, at + 3))
    await apply(batches.toReversed().flatMap((batch) => [batch, batch]))

    const { redis, mysql } = await both(ids)
    expect(mysql).toEqual(redis)
  })

  it('ends the same when two writers apply interleaved batches at the same time', async () => {
    const { ids, events } = await live([...LIVES, ...LIVES])
    const batches: Batch[] = []
    for (let at = 0; at < events.length; at += 2) batches.push(events.slice(at, at + 2))
    /** One consumer of the group: its share of the batches, retried on failure as the stream runtime does. */
    const writer = async (share: Batch[]) => {
      for (const batch of share)
        for (let attempt = 1; ; attempt++) {
          const written = await writeOrders(database.db)(batch)
          if (written.isOk()) break
          if (attempt === 5) throw written.error
        }
    }
    await Promise.all([
      writer(batches.filter((_, i) => i % 2 === 1)),
      writer(batches.filter((_, i) => i % 2 === 0).toReversed()),
    ])

    const { redis, mysql } = await both(ids)
    expect(mysql).toEqual(redis)
  })

  it('ends with what Redis decided for any interleaving, repetition and batching of the events', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...LIVES), { minLength: 1, maxLength: 5 }),
        deliveries,
        async (lives, delivery) => {
          const { ids, events } = await live(lives)
          const batches = deliveredAs(events, delivery)
          await apply(batches)

          const { redis, mysql } = await both(ids)
          expect(mysql).toEqual(redis)
        },
      ),
      { numRuns: 40 },
    )
  })
})
