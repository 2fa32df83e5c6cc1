import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { products } from '@flash/db'
import { offerKeys, publishOffer } from '@flash/redis'
import {
  createBuyers,
  createProduct,
  type TestDatabase,
  type TestRedis,
  testDatabase,
  testRedis,
} from '@flash/testing'
import { eq } from 'drizzle-orm'
import fc from 'fast-check'
import { writeOrders } from '../src/consumers/order-rows.ts'
import { type Batch, deliveredAs, deliveries, LIVES, type Life, orderLives } from './order-lives.ts'

// A product sold at list price counts its stock in two places: the live
// counter in Redis, which the scripts move, and products.stock in MySQL,
// which the order-writer moves as it stores the orders. Once every event is
// applied, whatever their order, repetition and batching, and however many
// writers apply them at once, the two must be equal.

const STOCK = 1_000_000

describe("the order-writer keeps a product's stock in MySQL", () => {
  let database: TestDatabase
  let r: TestRedis
  let buyers: string[]
  let lives_: ReturnType<typeof orderLives>

  beforeAll(async () => {
    database = await testDatabase()
    r = await testRedis()
    buyers = await createBuyers(database.db, 8)
    lives_ = orderLives(r, buyers)
  })
  afterAll(async () => {
    await r[Symbol.asyncDispose]()
    await database[Symbol.asyncDispose]()
  })

  /** A product with the same stock in MySQL and in its live Redis counter. */
  async function product(): Promise<string> {
    const productId = await createProduct(database.db, { stock: STOCK })
    await publishOffer(
      r.redis,
      r.space,
      { kind: 'product', id: productId },
      { productId, saleId: '', price: 700, perUserLimit: 0 },
      STOCK,
    )
    return productId
  }

  /** One list-price order per life, moved through that life; answers the events written, in stream order. */
  async function live(productId: string, lives: Life[]): Promise<Batch> {
    await lives_.place({ kind: 'product', id: productId }, lives)
    return lives_.events()
  }

  /** One writer: its batches in turn, each retried on failure as the stream runtime does. */
  async function writer(batches: Batch[]): Promise<void> {
    for (const batch of batches)
      for (let attempt = 1; ; attempt++) {
        const written = await writeOrders(database.db)(batch)
        if (written.isOk()) break
        if (attempt === 5) throw written.error
      }
  }

  /** The product's stock as MySQL and Redis count it. */
  async function stock(productId: string) {
    const [row] = await database.db
      .select({ stock: products.stock })
      .from(products)
      .where(eq(products.id, productId))
    const live = await r.redis.get(offerKeys(r.space, { kind: 'product', id: productId }).stock)
    return { mysql: row?.stock, redis: Number(live) }
  }

  it('takes the units of stored orders that keep them and none of those that gave them back', async () => {
    const productId = await product()
    const events = await live(productId, LIVES)

    await writer([events])

    // Held: [] 1 unit, [PAY] 1, [PAY, SHIP] 3 (quantities cycle 1, 2, 3).
    expect(await stock(productId)).toEqual({ mysql: STOCK - 5, redis: STOCK - 5 })
  })

  it('ends with the stock Redis has when the later batches come first and every batch comes twice', async () => {
    const productId = await product()
    const events = await live(productId, LIVES)
    const batches: Batch[] = []
    for (let at = 0; at < events.length; at += 3) batches.push(events.slice(at, at + 3))

    await writer(batches.toReversed().flatMap((batch) => [batch, batch]))

    const { mysql, redis } = await stock(productId)
    expect(mysql).toBe(redis)
  })

  it('ends with the stock Redis has when two writers apply interleaved batches at the same time', async () => {
    const productId = await product()
    const events = await live(productId, [...LIVES, ...LIVES, ...LIVES])
    const batches: Batch[] = []
    for (let at = 0; at < events.length; at += 2) batches.push(events.slice(at, at + 2))

    await Promise.all([
      writer(batches.filter((_, i) => i % 2 === 1)),
      writer(batches.filter((_, i) => i % 2 === 0).toReversed()),
      writer(batches.filter((_, i) => i % 3 === 0)),
    ])

    const { mysql, redis } = await stock(productId)
    expect(mysql).toBe(redis)
  })

  it('ends with the stock Redis has for any interleaving, repetition and batching of the events', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...LIVES), { minLength: 1, maxLength: 5 }),
        deliveries,
        async (lives, delivery) => {
          const productId = await product()
          const events = await live(productId, lives)
          const batches = deliveredAs(events, delivery)

          await writer(batches)

          const { mysql, redis } = await stock(productId)
          expect(mysql).toBe(redis)
        },
      ),
      { numRuns: 30 },
    )
  })
})
