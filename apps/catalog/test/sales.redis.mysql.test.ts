import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { flashSales, products } from '@flash/db'
import { offerKeys, reserve } from '@flash/redis'
import { createProduct } from '@flash/testing'
import { count, eq } from 'drizzle-orm'
import { adminCreatesProduct, type Catalog, saleBody, startCatalog } from './helpers.ts'

/** Product stock as MySQL records it and as the live Redis counter has it. */
async function productStock(catalog: Catalog, productId: string) {
  const [row] = await catalog.database.db
    .select({ stock: products.stock })
    .from(products)
    .where(eq(products.id, productId))
  const live = await catalog.redis.redis.get(
    offerKeys(catalog.redis.space, { kind: 'product', id: productId }).stock,
  )
  return { mysql: row?.stock, redis: live === null ? null : Number(live) }
}

async function saleCount(catalog: Catalog) {
  const [row] = await catalog.database.db.select({ n: count() }).from(flashSales)
  return row?.n
}

describe('POST /sales', () => {
  it('lets an admin create a sale, stored, published to Redis and taken from the product stock', async () => {
    await using catalog = await startCatalog()
    const product = await adminCreatesProduct(catalog, { stock: 100 })
    const body = saleBody(product.id, { quantity: 30, perUserLimit: 2, price: 49_000 })

    const created = await catalog.call('POST', '/sales', 'admin', body)

    expect(created).toEqual({
      status: 201,
      body: {
        id: expect.any(String),
        productId: product.id,
        name: 'Sneakers',
        price: 49_000,
        quantity: 30,
        remaining: 30,
        perUserLimit: 2,
        startsAt: body.startsAt,
        endsAt: body.endsAt,
        status: 'live',
        buckets: 1,
      },
    })
    const [row] = await catalog.database.db.select().from(flashSales)
    expect(row).toMatchObject({ id: created.body.id, quantity: 30, remaining: 30, perUserLimit: 2 })
    const keys = offerKeys(catalog.redis.space, { kind: 'sale', id: created.body.id })
    expect(await catalog.redis.redis.get(keys.stock)).toBe('30')
    expect(await catalog.redis.redis.hgetall(keys.meta)).toEqual({
      productId: product.id,
      saleId: created.body.id,
      price: '49000',
      limit: '2',
      startsAt: String(Date.parse(body.startsAt)),
      endsAt: String(Date.parse(body.endsAt)),
      buckets: '1',
    })
    expect(await productStock(catalog, product.id)).toEqual({ mysql: 70, redis: 70 })
  })

  it('publishes a sale that checkout can sell from within its per-buyer limit', async () => {
    await using catalog = await startCatalog()
    const product = await adminCreatesProduct(catalog)
    const sale = await catalog.call(
      'POST',
      '/sales',
      'admin',
      saleBody(product.id, { perUserLimit: 1 }),
    )
    const buy = (key: string) =>
      reserve(catalog.redis.redis, catalog.redis.space, {
        offer: { kind: 'sale', id: sale.body.id },
        orderId: Bun.randomUUIDv7(),
        userId: 'buyer-1',
        quantity: 1,
        fingerprint: key,
        idempotencyKey: key,
        idempotencyTtlSeconds: 60,
        orderTtlSeconds: 60,
      })

    const first = await buy('a')
    const second = await buy('b')

    expect(first._unsafeUnwrap()).toMatchObject({ type: 'Placed', remaining: 9 })
    expect(second._unsafeUnwrapErr()).toEqual({ type: 'LimitReached' })
  })

  it('creates an upcoming sale whose status says so', async () => {
    await using catalog = await startCatalog()
    const product = await adminCreatesProduct(catalog)
    const startsAt = new Date(Date.now() + 3_600_000).toISOString()
    const endsAt = new Date(Date.now() + 7_200_000).toISOString()

    const created = await catalog.call(
      'POST',
      '/sales',
      'admin',
      saleBody(product.id, { startsAt, endsAt }),
    )

    expect(created.body).toMatchObject({ status: 'upcoming', startsAt, endsAt })
  })

  it('takes the units from MySQL alone for a product that was never published to Redis', async () => {
    await using catalog = await startCatalog()
    const productId = await createProduct(catalog.database.db, { stock: 20 })

    const created = await catalog.call(
      'POST',
      '/sales',
      'admin',
      saleBody(productId, { quantity: 15 }),
    )

    expect(created.status).toBe(201)
    expect(await productStock(catalog, productId)).toEqual({ mysql: 5, redis: null })
  })

  it('refuses a buyer with 403 and a caller without a token with 401, creating nothing', async () => {
    await using catalog = await startCatalog()
    const product = await adminCreatesProduct(catalog)

    const asBuyer = await catalog.call('POST', '/sales', 'buyer', saleBody(product.id))
    const anonymous = await catalog.call('POST', '/sales', 'anonymous', saleBody(product.id))

    expect([asBuyer.status, asBuyer.body.error.code]).toEqual([403, 'forbidden'])
    expect([anonymous.status, anonymous.body.error.code]).toEqual([401, 'unauthorized'])
    expect(await saleCount(catalog)).toBe(0)
  })
})

describe('stock accounting of POST /sales', () => {
  it('refuses a quantity over the product stock and changes nothing', async () => {
    await using catalog = await startCatalog()
    const product = await adminCreatesProduct(catalog, { stock: 10 })

    const refused = await catalog.call(
      'POST',
      '/sales',
      'admin',
      saleBody(product.id, { quantity: 11 }),
    )

    expect(refused).toEqual({
      status: 400,
      body: {
        error: {
          code: 'invalid_request',
          message: 'body.quantity: 11 requested but only 10 in stock',
        },
      },
    })
    expect(await saleCount(catalog)).toBe(0)
    expect(await productStock(catalog, product.id)).toEqual({ mysql: 10, redis: 10 })
  })

  it('judges by the live Redis stock when checkout has sold units MySQL does not know of yet', async () => {
    await using catalog = await startCatalog()
    const product = await adminCreatesProduct(catalog, { stock: 10 })
    const liveKey = offerKeys(catalog.redis.space, { kind: 'product', id: product.id }).stock
    await catalog.redis.redis.decrby(liveKey, 8)

    const refused = await catalog.call(
      'POST',
      '/sales',
      'admin',
      saleBody(product.id, { quantity: 5 }),
    )

    expect(refused.status).toBe(400)
    expect(refused.body.error.message).toBe('body.quantity: 5 requested but only 2 in stock')
    expect(await saleCount(catalog)).toBe(0)
    expect(await productStock(catalog, product.id)).toEqual({ mysql: 10, redis: 2 })
  })

  it('lets exactly one of two concurrent sales through when together they exceed the stock', async () => {
    await using catalog = await startCatalog()
    const product = await adminCreatesProduct(catalog, { stock: 10 })

    const answers = await Promise.all([
      catalog.call('POST', '/sales', 'admin', saleBody(product.id, { quantity: 6 })),
      catalog.call('POST', '/sales', 'admin', saleBody(product.id, { quantity: 6 })),
    ])

    expect(answers.map((a) => a.status).sort()).toEqual([201, 400])
    expect(await saleCount(catalog)).toBe(1)
    expect(await productStock(catalog, product.id)).toEqual({ mysql: 4, redis: 4 })
  })

  it('never promises more than the stock when ten sales race for it', async () => {
    await using catalog = await startCatalog()
    const product = await adminCreatesProduct(catalog, { stock: 10 })

    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        catalog.call('POST', '/sales', 'admin', saleBody(product.id, { quantity: 3 })),
      ),
    )

    expect(answers.filter((a) => a.status === 201)).toHaveLength(3)
    expect(answers.filter((a) => a.status === 400)).toHaveLength(7)
    expect(await saleCount(catalog)).toBe(3)
    expect(await productStock(catalog, product.id)).toEqual({ mysql: 1, redis: 1 })
    expect(catalog.errors).toEqual([])
  })
})

describe('request validation of POST /sales', () => {
  let catalog: Catalog
  let productId: string
  beforeAll(async () => {
    catalog = await startCatalog()
    productId = (await adminCreatesProduct(catalog, { stock: 50 })).id
  })
  afterAll(async () => {
    await catalog[Symbol.asyncDispose]()
  })

  const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString()

  it.each([
    ['a price of zero', { price: 0 }, 'body.price:'],
    ['a fractional price', { price: 1.5 }, 'body.price:'],
    ['a quantity of zero', { quantity: 0 }, 'body.quantity:'],
    ['a negative quantity', { quantity: -5 }, 'body.quantity:'],
    ['a per-user limit of zero', { perUserLimit: 0 }, 'body.perUserLimit:'],
    ['a start that is not a date-time', { startsAt: 'tomorrow' }, 'body.startsAt:'],
    ['a start without a time zone', { startsAt: '2030-01-01T09:00:00' }, 'body.startsAt:'],
    ['an end on a day that does not exist', { endsAt: '2030-02-30T09:00:00Z' }, 'body.endsAt:'],
    ['a missing end', { endsAt: undefined }, 'body.endsAt:'],
    [
      'an end before the start',
      { startsAt: hoursFromNow(2), endsAt: hoursFromNow(1) },
      'body.endsAt: must be after startsAt',
    ],
    [
      'an end equal to the start',
      // One instant: two calls can land a millisecond apart and make the end later.
      ((at) => ({ startsAt: at, endsAt: at }))(hoursFromNow(1)),
      'body.endsAt: must be after startsAt',
    ],
    [
      'an end in the past',
      { startsAt: hoursFromNow(-2), endsAt: hoursFromNow(-1) },
      'body.endsAt: must be in the future',
    ],
    ['a start before 1970', { startsAt: '0001-01-01T00:00:00Z' }, 'body.startsAt:'],
    ['a product id that is not an id', { productId: 'shoes' }, 'body.productId:'],
    [
      'a product that does not exist',
      { productId: Bun.randomUUIDv7() },
      'body.productId: no product',
    ],
  ])('refuses %s with 400 naming the field, creating nothing', async (_, overrides, message) => {
    const refused = await catalog.call('POST', '/sales', 'admin', saleBody(productId, overrides))

    expect(refused.status).toBe(400)
    expect(refused.body.error.code).toBe('invalid_request')
    expect(refused.body.error.message).toStartWith(message)
    expect(await saleCount(catalog)).toBe(0)
    expect(await productStock(catalog, productId)).toEqual({ mysql: 50, redis: 50 })
    expect(catalog.errors).toEqual([])
  })
})
