import { flashSales, products, saleBuckets, users } from '@flash/db'
import type { Db } from '@flash/db/client'
import type { RedisClient } from '@flash/redis'
import { bucketAllotments, bucketPartition, type KeySpace, publishOffer } from '@flash/redis'

/** A real argon2id hash of "password123", computed once: tests create thousands of buyers. */
let passwordHash: Promise<string> | undefined

/**
 * Inserts `count` buyers in batches and returns their ids.
 *
 * @example
 * const buyers = await createBuyers(db, 2000)
 */
export async function createBuyers(db: Db, count: number): Promise<string[]> {
  passwordHash ??= Bun.password.hash('password123', { algorithm: 'argon2id' })
  const hash = await passwordHash
  const now = new Date()
  const rows = Array.from({ length: count }, (_, i) => ({
    id: Bun.randomUUIDv7(),
    email: `buyer-${crypto.randomUUID().slice(0, 8)}-${i}@test.local`,
    passwordHash: hash,
    role: 'buyer' as const,
    name: `Buyer ${i}`,
    createdAt: now,
    updatedAt: now,
  }))
  for (let i = 0; i < rows.length; i += 500) await db.insert(users).values(rows.slice(i, i + 500))
  return rows.map((row) => row.id)
}

/**
 * @example
 * const productId = await createProduct(db, { price: 10000, stock: 1000 })
 */
export async function createProduct(
  db: Db,
  input: { price?: number; stock?: number; name?: string } = {},
): Promise<string> {
  const id = Bun.randomUUIDv7()
  const now = new Date()
  await db.insert(products).values({
    id,
    name: input.name ?? 'Test product',
    description: 'made by a test',
    price: input.price ?? 10_000,
    stock: input.stock ?? 1_000,
    createdAt: now,
    updatedAt: now,
  })
  return id
}

export type SaleFixture = {
  quantity: number
  perUserLimit?: number
  price?: number
  startsAt?: Date
  endsAt?: Date
  /** Buckets its stock is split into, one per partition from its own (default 1: unsplit). */
  buckets?: number
}

/**
 * A flash sale in MySQL and published to Redis, live now unless told
 * otherwise; with `buckets`, split as the catalog splits one (its
 * `sale_buckets` rows, each bucket published in its partition).
 *
 * @example
 * const { saleId } = await createSale(db, redis, space, { quantity: 100, perUserLimit: 1 })
 * const split = await createSale(db, redis, keySpace('t:', 3), { quantity: 900, buckets: 3 })
 */
export async function createSale(
  db: Db,
  redis: RedisClient,
  space: KeySpace,
  input: SaleFixture,
): Promise<{ saleId: string; productId: string }> {
  const productId = await createProduct(db, { stock: input.quantity })
  const saleId = Bun.randomUUIDv7()
  const startsAt = input.startsAt ?? new Date(Date.now() - 60_000)
  const endsAt = input.endsAt ?? new Date(Date.now() + 3_600_000)
  const price = input.price ?? 5_000
  const perUserLimit = input.perUserLimit ?? 1
  const buckets = input.buckets ?? 1
  if (buckets > space.partitions) throw new Error(`${buckets} buckets need as many partitions`)
  await db.insert(flashSales).values({
    id: saleId,
    productId,
    price,
    quantity: input.quantity,
    perUserLimit,
    startsAt,
    endsAt,
    remaining: input.quantity,
    buckets,
    createdAt: new Date(),
  })
  const offer = { kind: 'sale' as const, id: saleId }
  const meta = { productId, saleId, price, perUserLimit, startsAt, endsAt, buckets }
  if (buckets === 1) {
    await publishOffer(redis, space, offer, meta, input.quantity)
    return { saleId, productId }
  }
  const allotments = bucketAllotments(input.quantity, buckets)
  await db
    .insert(saleBuckets)
    .values(allotments.map((allotment, bucket) => ({ saleId, bucket, allotment })))
  for (const [bucket, allotment] of allotments.entries())
    await publishOffer(redis, space, offer, meta, allotment, {
      partition: bucketPartition(space, saleId, bucket),
      elsewhere: input.quantity - allotment,
    })
  return { saleId, productId }
}
