import { flashSales, products, users } from '@flash/db'
import type { Db } from '@flash/db/client'
import type { RedisClient } from '@flash/redis'
import { type KeySpace, publishOffer } from '@flash/redis'

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
}

/**
 * A flash sale in MySQL and published to Redis, live now unless told otherwise.
 *
 * @example
 * const { saleId } = await createSale(db, redis, space, { quantity: 100, perUserLimit: 1 })
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
  await db.insert(flashSales).values({
    id: saleId,
    productId,
    price,
    quantity: input.quantity,
    perUserLimit,
    startsAt,
    endsAt,
    remaining: input.quantity,
    createdAt: new Date(),
  })
  await publishOffer(
    redis,
    space,
    { kind: 'sale', id: saleId },
    { productId, saleId, price, perUserLimit, startsAt, endsAt },
    input.quantity,
  )
  return { saleId, productId }
}
