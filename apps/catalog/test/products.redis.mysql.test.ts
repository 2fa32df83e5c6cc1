import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { defaults } from '@flash/config'
import { products } from '@flash/db'
import { connectRedis, keySpace, offerKeys, reserve } from '@flash/redis'
import { createProduct, testDatabase, testTokens } from '@flash/testing'
import { createTokenService } from '@flash/tokens'
import { count } from 'drizzle-orm'
import { createCatalogApp } from '../src/app.ts'
import { adminCreatesProduct, type Catalog, startCatalog } from './helpers.ts'

const sneakers = { name: 'Sneakers', description: 'white', price: 89_000, stock: 100 }

describe('POST /products', () => {
  it('lets an admin list a product and publishes it to Redis at its list price', async () => {
    await using catalog = await startCatalog()

    const created = await catalog.call('POST', '/products', 'admin', sneakers)

    expect(created).toEqual({ status: 201, body: { id: expect.any(String), ...sneakers } })
    const keys = offerKeys(catalog.redis.space, { kind: 'product', id: created.body.id })
    expect(await catalog.redis.redis.get(keys.stock)).toBe('100')
    expect(await catalog.redis.redis.hgetall(keys.meta)).toEqual({
      productId: created.body.id,
      saleId: '',
      price: '89000',
      limit: '0',
      startsAt: '0',
      endsAt: '253402214400000',
      // Every offer's meta says its bucket count; a product is never split.
      buckets: '1',
    })
  })

  it('publishes an offer that checkout can sell from', async () => {
    await using catalog = await startCatalog()
    const product = await adminCreatesProduct(catalog, { stock: 5 })

    const bought = await reserve(catalog.redis.redis, catalog.redis.space, {
      offer: { kind: 'product', id: product.id },
      orderId: Bun.randomUUIDv7(),
      userId: crypto.randomUUID(),
      quantity: 2,
      fingerprint: 'f',
      idempotencyKey: 'k',
      idempotencyTtlSeconds: 60,
      orderTtlSeconds: 60,
    })

    expect(bought.isOk()).toBe(true)
    expect((await catalog.call('GET', `/products/${product.id}`, 'anonymous')).body.stock).toBe(3)
  })

  it('stores the name trimmed and an absent description as empty', async () => {
    await using catalog = await startCatalog()
    const created = await catalog.call('POST', '/products', 'admin', {
      ...sneakers,
      name: '  Boots ',
      description: undefined,
    })
    expect(created.body).toEqual({
      id: created.body.id,
      name: 'Boots',
      description: '',
      price: 89_000,
      stock: 100,
    })
  })

  it('refuses a buyer with 403 and a caller without a valid token with 401', async () => {
    await using catalog = await startCatalog()
    const stranger = createTokenService({
      secret: 'another-secret-that-is-long-enough-0123456789',
      issuer: defaults.jwtIssuer,
      audience: defaults.jwtAudience,
      accessTtlSeconds: 60,
    })
    const { token: forged } = await stranger.signAccess({ id: crypto.randomUUID(), role: 'admin' })
    const forgedCall = await fetch(`${catalog.url}/products`, {
      method: 'POST',
      headers: { authorization: `Bearer ${forged}`, 'content-type': 'application/json' },
      body: JSON.stringify(sneakers),
    })

    expect(await catalog.call('POST', '/products', 'buyer', sneakers)).toEqual({
      status: 403,
      body: { error: { code: 'forbidden', message: 'admins only' } },
    })
    const unauthorized = {
      error: { code: 'unauthorized', message: 'a valid bearer token is required' },
    }
    expect(await catalog.call('POST', '/products', 'anonymous', sneakers)).toEqual({
      status: 401,
      body: unauthorized,
    })
    expect({ status: forgedCall.status, body: await forgedCall.json() }).toEqual({
      status: 401,
      body: unauthorized,
    })
    const [stored] = await catalog.database.db.select({ n: count() }).from(products)
    expect(stored?.n).toBe(0)
  })

  it('answers 503 and keeps nothing when Redis is down, so a retry cannot make a duplicate', async () => {
    await using database = await testDatabase()
    const deadRedis = connectRedis('redis://127.0.0.1:1', { failFast: true })
    deadRedis.on('error', () => {})
    const errors: string[] = []
    const app = createCatalogApp({
      redis: deadRedis,
      db: database.db,
      space: keySpace('dead:'),
      tokens: testTokens,
      maxBodyBytes: 16 * 1024,
      log: (line) => errors.push(line),
    })
    const { token } = await testTokens.signAccess({ id: crypto.randomUUID(), role: 'admin' })

    const response = await app.handle(
      new Request('http://catalog/products', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(sneakers),
      }),
    )

    expect(response.status).toBe(503)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unavailable')
    const [stored] = await database.db.select({ n: count() }).from(products)
    // The session check (logout marks live in Redis) is what refuses first now.
    expect(stored?.n).toBe(0)
    deadRedis.disconnect()
  })
})

describe('request validation of /products', () => {
  let catalog: Catalog
  beforeAll(async () => {
    catalog = await startCatalog()
  })
  afterAll(async () => {
    await catalog[Symbol.asyncDispose]()
  })

  it.each([
    ['a missing name', { ...sneakers, name: undefined }, 'body.name'],
    ['an empty name', { ...sneakers, name: '' }, 'body.name'],
    ['a blank name', { ...sneakers, name: '   ' }, 'body.name'],
    ['a name over 200 characters', { ...sneakers, name: 'x'.repeat(201) }, 'body.name'],
    [
      'a description over 5000 characters',
      { ...sneakers, description: 'x'.repeat(5001) },
      'body.description',
    ],
    ['a price of zero', { ...sneakers, price: 0 }, 'body.price'],
    ['a fractional price', { ...sneakers, price: 10.5 }, 'body.price'],
    ['a price that is not a number', { ...sneakers, price: 'cheap' }, 'body.price'],
    ['a negative stock', { ...sneakers, stock: -1 }, 'body.stock'],
    ['a fractional stock', { ...sneakers, stock: 1.5 }, 'body.stock'],
    ['a missing stock', { ...sneakers, stock: undefined }, 'body.stock'],
  ])('refuses %s with 400 naming the field', async (_, body, field) => {
    const refused = await catalog.call('POST', '/products', 'admin', body)
    expect(refused.status).toBe(400)
    expect(refused.body.error.code).toBe('invalid_request')
    expect(refused.body.error.message).toStartWith(`${field}:`)
    const [stored] = await catalog.database.db.select({ n: count() }).from(products)
    expect(stored?.n).toBe(0)
    expect(catalog.errors).toEqual([])
  })

  it('refuses a body that is not JSON with 400', async () => {
    expect(await catalog.call('POST', '/products', 'admin', '{"name":')).toEqual({
      status: 400,
      body: { error: { code: 'invalid_request', message: 'body is not valid JSON' } },
    })
  })

  it.each([
    ['a limit of zero', 'limit=0', 'query.limit'],
    ['a limit over 100', 'limit=101', 'query.limit'],
    ['a limit that is not a number', 'limit=ten', 'query.limit'],
    ['a cursor that is not an id', 'cursor=abc', 'query.cursor'],
  ])('refuses a listing with %s with 400 naming the parameter', async (_, query, field) => {
    const refused = await catalog.call('GET', `/products?${query}`, 'anonymous')
    expect(refused.status).toBe(400)
    expect(refused.body.error.code).toBe('invalid_request')
    expect(refused.body.error.message).toStartWith(`${field}:`)
  })
})

describe('GET /products', () => {
  it('shows the live Redis stock, and MySQL stock for a product that is not in Redis', async () => {
    await using catalog = await startCatalog()
    const published = await adminCreatesProduct(catalog, { stock: 100 })
    const unpublished = await createProduct(catalog.database.db, { name: 'Boots', stock: 7 })
    await catalog.redis.redis.decrby(
      offerKeys(catalog.redis.space, { kind: 'product', id: published.id }).stock,
      30,
    )

    expect((await catalog.call('GET', `/products/${published.id}`, 'anonymous')).body.stock).toBe(
      70,
    )
    expect((await catalog.call('GET', `/products/${unpublished}`, 'anonymous')).body.stock).toBe(7)
  })

  it('answers 404 not_found for an unknown id and for one that cannot be an id', async () => {
    await using catalog = await startCatalog()
    const notFound = {
      status: 404,
      body: { error: { code: 'not_found', message: 'no such product' } },
    }
    expect(await catalog.call('GET', `/products/${Bun.randomUUIDv7()}`, 'anonymous')).toEqual(
      notFound,
    )
    expect(await catalog.call('GET', '/products/42', 'anonymous')).toEqual(notFound)
  })

  it('pages through products newest first with the cursor until nextCursor is null', async () => {
    await using catalog = await startCatalog()
    const ids: string[] = []
    for (const name of ['one', 'two', 'three', 'four', 'five'])
      ids.push((await adminCreatesProduct(catalog, { name })).id)

    const first = await catalog.call('GET', '/products?limit=2', 'anonymous')
    const second = await catalog.call(
      'GET',
      `/products?limit=2&cursor=${first.body.nextCursor}`,
      'anonymous',
    )
    const third = await catalog.call(
      'GET',
      `/products?limit=2&cursor=${second.body.nextCursor}`,
      'anonymous',
    )

    const names = (page: { body: { items: { name: string }[] } }) =>
      page.body.items.map((p) => p.name)
    expect([names(first), names(second), names(third)]).toEqual([
      ['five', 'four'],
      ['three', 'two'],
      ['one'],
    ])
    expect([first.body.nextCursor, second.body.nextCursor, third.body.nextCursor]).toEqual([
      ids[3],
      ids[1],
      null,
    ])
    expect((await catalog.call('GET', '/products', 'anonymous')).body.items).toHaveLength(5)
  })
})
