import { describe, expect, it } from 'bun:test'
import { products } from '@flash/db'
import type { Db } from '@flash/db/client'
import { offerKeys, reserve } from '@flash/redis'
import { createProduct } from '@flash/testing'
import { eq } from 'drizzle-orm'
import { updateProduct } from '../src/modules/products/update.ts'
import { adminCreatesProduct, type Catalog, startCatalog } from './helpers.ts'

/** What MySQL stores of a product and what Redis holds for its list-price offer. */
async function stored(catalog: Catalog, id: string) {
  const [row] = await catalog.database.db.select().from(products).where(eq(products.id, id))
  const keys = offerKeys(catalog.redis.space, { kind: 'product', id })
  const [live, price] = await Promise.all([
    catalog.redis.redis.get(keys.stock),
    catalog.redis.redis.hget(keys.meta, 'price'),
  ])
  return {
    mysql: row && { name: row.name, price: row.price, stock: row.stock },
    redis: {
      stock: live === null ? null : Number(live),
      price: price === null ? null : Number(price),
    },
  }
}

/** Checkout selling `units` of a product, one order of one unit each, all at once. */
function checkoutSells(catalog: Catalog, productId: string, units: number) {
  return Promise.all(
    Array.from({ length: units }, (_, i) =>
      reserve(catalog.redis.redis, catalog.redis.space, {
        offer: { kind: 'product', id: productId },
        orderId: Bun.randomUUIDv7(),
        userId: `buyer-${i}`,
        quantity: 1,
        fingerprint: `f${i}`,
        idempotencyKey: `k${i}`,
        idempotencyTtlSeconds: 60,
        orderTtlSeconds: 60,
      }),
    ),
  )
}

describe('PATCH /products/:id', () => {
  it('lets an admin change every field and answers with the product as stored', async () => {
    await using catalog = await startCatalog()
    const product = await adminCreatesProduct(catalog, { stock: 100, price: 89_000 })

    const changed = await catalog.call('PATCH', `/products/${product.id}`, 'admin', {
      name: '  Boots ',
      description: 'black',
      price: 79_000,
      stock: 120,
    })

    expect(changed).toEqual({
      status: 200,
      body: { id: product.id, name: 'Boots', description: 'black', price: 79_000, stock: 120 },
    })
    expect(await stored(catalog, product.id)).toEqual({
      mysql: { name: 'Boots', price: 79_000, stock: 120 },
      redis: { stock: 120, price: 79_000 },
    })
    expect(await catalog.call('GET', `/products/${product.id}`, 'anonymous')).toEqual(changed)
  })

  it('moves the live counter by the difference, so units checkout sold meanwhile stay sold', async () => {
    await using catalog = await startCatalog()
    const product = await adminCreatesProduct(catalog, { stock: 100 })
    await checkoutSells(catalog, product.id, 30)

    const changed = await catalog.call('PATCH', `/products/${product.id}`, 'admin', { stock: 150 })

    expect([changed.status, changed.body.stock]).toEqual([200, 120])
    expect(await stored(catalog, product.id)).toMatchObject({
      mysql: { stock: 150 },
      redis: { stock: 120 },
    })
  })

  it('refuses a stock below the units sold since the last count with 400, changing nothing', async () => {
    await using catalog = await startCatalog()
    const product = await adminCreatesProduct(catalog, { stock: 100 })
    await checkoutSells(catalog, product.id, 30)

    const refused = await catalog.call('PATCH', `/products/${product.id}`, 'admin', {
      stock: 29,
      price: 1,
    })
    const lowest = await catalog.call('PATCH', `/products/${product.id}`, 'admin', { stock: 30 })

    expect(refused).toEqual({
      status: 400,
      body: {
        error: {
          code: 'invalid_request',
          message:
            'body.stock: 29 is too low; at least 30 (units already sold since the stock was last counted)',
        },
      },
    })
    expect([lowest.status, lowest.body.stock]).toEqual([200, 0])
    expect(await stored(catalog, product.id)).toEqual({
      mysql: { name: 'Sneakers', price: 89_000, stock: 30 },
      redis: { stock: 0, price: 89_000 },
    })
    expect(catalog.errors).toEqual([])
  })

  it('stays exact when checkout sells while the stock is being cut to what is left', async () => {
    await using catalog = await startCatalog()
    const product = await adminCreatesProduct(catalog, { stock: 100 })

    const [sold, changed] = await Promise.all([
      checkoutSells(catalog, product.id, 50),
      catalog.call('PATCH', `/products/${product.id}`, 'admin', { stock: 50 }),
    ])

    expect(sold.every((outcome) => outcome.isOk())).toBe(true)
    expect(changed.status).toBe(200)
    expect(await stored(catalog, product.id)).toMatchObject({
      mysql: { stock: 50 },
      redis: { stock: 0 },
    })
  })

  it('re-publishes a new price to the offer checkout sells from, leaving the live counter alone', async () => {
    await using catalog = await startCatalog()
    const product = await adminCreatesProduct(catalog, { stock: 100 })
    await checkoutSells(catalog, product.id, 10)

    const changed = await catalog.call('PATCH', `/products/${product.id}`, 'admin', {
      price: 59_000,
    })

    expect(changed.body).toMatchObject({ price: 59_000, stock: 90 })
    expect(await stored(catalog, product.id)).toEqual({
      mysql: { name: 'Sneakers', price: 59_000, stock: 100 },
      redis: { stock: 90, price: 59_000 },
    })
  })

  it('changes a name without writing to Redis, only reading the live stock to answer', async () => {
    await using catalog = await startCatalog()
    const product = await adminCreatesProduct(catalog, { stock: 5 })
    catalog.commands.length = 0

    const changed = await catalog.call('PATCH', `/products/${product.id}`, 'admin', {
      name: 'Boots',
    })

    expect(changed.body).toMatchObject({ name: 'Boots', stock: 5 })
    const { stock } = offerKeys(catalog.redis.space, { kind: 'product', id: product.id })
    // Besides the session check's reads of the logout marks, only the live stock is read.
    expect(catalog.commands.filter((command) => !command.includes(':revoked:'))).toEqual([
      `get ${stock}`,
    ])
    expect(catalog.commands.every((command) => command.startsWith('get '))).toBe(true)
  })

  it('changes only MySQL for a product never put in Redis, and publishes it once its price changes', async () => {
    await using catalog = await startCatalog()
    const id = await createProduct(catalog.database.db, { price: 10_000, stock: 7 })

    const restocked = await catalog.call('PATCH', `/products/${id}`, 'admin', { stock: 9 })
    const afterStock = await stored(catalog, id)
    const repriced = await catalog.call('PATCH', `/products/${id}`, 'admin', {
      price: 12_000,
      stock: 11,
    })

    expect([restocked.status, restocked.body.stock]).toEqual([200, 9])
    expect(afterStock.redis).toEqual({ stock: null, price: null })
    expect([repriced.status, repriced.body.stock]).toEqual([200, 11])
    expect(await stored(catalog, id)).toMatchObject({
      mysql: { price: 12_000, stock: 11 },
      redis: { stock: 11, price: 12_000 },
    })
  })

  it('answers 404 not_found for an unknown id and for one that cannot be an id', async () => {
    await using catalog = await startCatalog()
    const notFound = {
      status: 404,
      body: { error: { code: 'not_found', message: 'no such product' } },
    }

    for (const id of [Bun.randomUUIDv7(), 'shoes'])
      expect(await catalog.call('PATCH', `/products/${id}`, 'admin', { price: 1 })).toEqual(
        notFound,
      )
  })

  it('refuses a buyer with 403 and a caller without a token with 401, changing nothing', async () => {
    await using catalog = await startCatalog()
    const product = await adminCreatesProduct(catalog, { stock: 100 })

    const asBuyer = await catalog.call('PATCH', `/products/${product.id}`, 'buyer', { stock: 1 })
    const anonymous = await catalog.call('PATCH', `/products/${product.id}`, 'anonymous', {
      stock: 1,
    })

    expect([asBuyer.status, asBuyer.body.error.code]).toEqual([403, 'forbidden'])
    expect([anonymous.status, anonymous.body.error.code]).toEqual([401, 'unauthorized'])
    expect((await stored(catalog, product.id)).mysql?.stock).toBe(100)
  })

  it('undoes its Redis changes when the MySQL commit fails, and answers unavailable', async () => {
    await using catalog = await startCatalog()
    const product = await adminCreatesProduct(catalog, { stock: 100, price: 89_000 })
    await checkoutSells(catalog, product.id, 30)
    const db = catalog.database.db
    // The work runs in a real transaction, then the commit is lost.
    const losesCommit = Object.assign(Object.create(db), {
      transaction: (work: Parameters<Db['transaction']>[0]) =>
        db.transaction(async (tx) => {
          await work(tx)
          throw new Error('connection lost during commit')
        }),
    }) as Db

    catalog.commands.length = 0

    const result = await updateProduct({ ...catalog.deps, db: losesCommit }, product.id, {
      price: 1,
      stock: 150,
    })

    expect(result._unsafeUnwrapErr().type).toBe('Unavailable')
    // Moved by +50 and back by -50, one script call each: the change happened and was undone.
    expect(catalog.commands.filter((command) => command.startsWith('eval'))).toHaveLength(2)
    expect(await stored(catalog, product.id)).toEqual({
      mysql: { name: 'Sneakers', price: 89_000, stock: 100 },
      redis: { stock: 70, price: 89_000 },
    })
    expect(catalog.errors).toEqual([])
  })
})
