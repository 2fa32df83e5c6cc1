import { describe, expect, it } from 'bun:test'
import { flashSales, products, saleBuckets } from '@flash/db'
import { bucketPartition, offerKeys, partitionOf } from '@flash/redis'
import { waitFor } from '@flash/testing'
import { asc, count, eq } from 'drizzle-orm'
import { expectRefused, write } from './bad-input.ts'
import { adminCreatesProduct, type Catalog, saleBody, startCatalog } from './helpers.ts'
import { watchSale } from './watch-sale.ts'

/** Bucket b's keys of a sale, in the app's key space (three partitions in these tests). */
function bucketKeys(catalog: Catalog, saleId: string, bucket: number) {
  const space = catalog.deps.space
  return offerKeys(space, { kind: 'sale', id: saleId }, bucketPartition(space, saleId, bucket))
}

async function createSplitSale(catalog: Catalog, quantity: number, buckets: number) {
  const product = await adminCreatesProduct(catalog, { stock: 100 })
  const created = await catalog.call(
    'POST',
    '/sales',
    'admin',
    saleBody(product.id, { quantity, buckets }),
  )
  if (created.status !== 201) throw new Error(`creating a sale failed: ${JSON.stringify(created)}`)
  return { product, created }
}

async function tableCounts(catalog: Catalog) {
  const [sales] = await catalog.database.db.select({ n: count() }).from(flashSales)
  const [allotments] = await catalog.database.db.select({ n: count() }).from(saleBuckets)
  return { sales: sales?.n, allotments: allotments?.n }
}

describe('POST /sales with buckets', () => {
  it('records each bucket’s allotment, adding up to the quantity, and publishes each bucket in a partition of its own', async () => {
    await using catalog = await startCatalog({ partitions: 3 })
    const { product, created } = await createSplitSale(catalog, 10, 3)
    const id: string = created.body.id

    expect(created.body).toMatchObject({ quantity: 10, remaining: 10, buckets: 3, status: 'live' })
    const db = catalog.database.db
    const [sale] = await db
      .select({ buckets: flashSales.buckets })
      .from(flashSales)
      .where(eq(flashSales.id, id))
    expect(sale?.buckets).toBe(3)
    const allotments = await db
      .select({ bucket: saleBuckets.bucket, allotment: saleBuckets.allotment })
      .from(saleBuckets)
      .where(eq(saleBuckets.saleId, id))
      .orderBy(asc(saleBuckets.bucket))
    // 10 over 3: the first 10 % 3 = 1 bucket gets the extra unit.
    expect(allotments).toEqual([
      { bucket: 0, allotment: 4 },
      { bucket: 1, allotment: 3 },
      { bucket: 2, allotment: 3 },
    ])
    const published = await Promise.all(
      [0, 1, 2].map(async (bucket) => {
        const keys = bucketKeys(catalog, id, bucket)
        const redis = catalog.redis.redis
        return { keys, stock: await redis.get(keys.stock), meta: await redis.hgetall(keys.meta) }
      }),
    )
    expect(published[0]?.keys.partition).toBe(partitionOf(catalog.deps.space, id))
    expect(new Set(published.map(({ keys }) => keys.partition)).size).toBe(3)
    expect(published.map(({ stock, meta }) => [stock, meta.buckets, meta.elsewhere])).toEqual([
      ['4', '3', '6'],
      ['3', '3', '7'],
      ['3', '3', '7'],
    ])
    expect(published[2]?.meta).toEqual({
      productId: product.id,
      saleId: id,
      price: '49000',
      limit: '2',
      startsAt: String(Date.parse(created.body.startsAt)),
      endsAt: String(Date.parse(created.body.endsAt)),
      buckets: '3',
      elsewhere: '7',
    })
    const [left] = await db
      .select({ stock: products.stock })
      .from(products)
      .where(eq(products.id, product.id))
    expect(left?.stock).toBe(90)
    expect(catalog.errors).toEqual([])
  })

  it('publishes an unsplit sale as one offer with no allotment rows, on a deployment with several partitions', async () => {
    await using catalog = await startCatalog({ partitions: 3 })
    const product = await adminCreatesProduct(catalog, { stock: 100 })

    const created = await catalog.call('POST', '/sales', 'admin', saleBody(product.id))

    expect(created.body).toMatchObject({ quantity: 10, remaining: 10, buckets: 1 })
    const keys = offerKeys(catalog.deps.space, { kind: 'sale', id: created.body.id })
    expect(await catalog.redis.redis.get(keys.stock)).toBe('10')
    const meta = await catalog.redis.redis.hgetall(keys.meta)
    expect([meta.buckets, meta.elsewhere]).toEqual(['1', undefined])
    expect(await tableCounts(catalog)).toEqual({ sales: 1, allotments: 0 })
  })

  it('refuses more buckets than partitions or than units with 400 naming body.buckets, creating nothing', async () => {
    await using catalog = await startCatalog({ partitions: 3 })
    const product = await adminCreatesProduct(catalog, { stock: 100 })
    const create = (what: string, changes: Record<string, unknown>, message: string) =>
      write(what, ['POST', '/sales'], { json: saleBody('{product}', changes) }, 400, message)

    await expectRefused(
      catalog,
      create('four buckets on three partitions', { buckets: 4 }, 'body.buckets: must be at most 3'),
      product.id,
    )
    await expectRefused(
      catalog,
      create(
        'three buckets for two units',
        { buckets: 3, quantity: 2 },
        'body.buckets: must be at most the quantity (2)',
      ),
      product.id,
    )

    expect(await tableCounts(catalog)).toEqual({ sales: 0, allotments: 0 })
    const unchanged = await catalog.call('GET', `/products/${product.id}`, 'anonymous')
    expect(unchanged.body.stock).toBe(100)
  })
})

describe('reads of a bucketed sale', () => {
  it('GET /sales/:id, the list and the event stream count every bucket', async () => {
    await using catalog = await startCatalog({ partitions: 3, saleEvents: { pollMs: 50 } })
    const { created } = await createSplitSale(catalog, 10, 3)
    const id: string = created.body.id

    await catalog.redis.redis.decrby(bucketKeys(catalog, id, 1).stock, 2)

    const one = await catalog.call('GET', `/sales/${id}`, 'anonymous')
    expect(one.body).toMatchObject({ remaining: 8, buckets: 3, status: 'live' })
    const list = await catalog.call('GET', '/sales', 'anonymous')
    expect(list.body.items).toMatchObject([{ id, remaining: 8, buckets: 3 }])
    const watcher = watchSale(catalog.url, id)
    await waitFor(() => watcher.events.at(-1)?.remaining === 8 || undefined, {
      what: 'the stream to count 8 units over the three buckets',
    })

    // Bucket 0 empty alone is not the sale sold out: the others still hold units.
    await catalog.redis.redis.set(bucketKeys(catalog, id, 0).stock, 0)
    await waitFor(() => watcher.events.at(-1)?.remaining === 4 || undefined, {
      what: 'the stream to count 4 units once bucket 0 is empty',
    })
    for (const bucket of [1, 2])
      await catalog.redis.redis.set(bucketKeys(catalog, id, bucket).stock, 0)
    await waitFor(() => watcher.events.at(-1)?.status === 'sold_out' || undefined, {
      what: 'the stream to say sold_out once every bucket is empty',
    })
    watcher.leave()

    // A poll between the last two SETs may add a `3, live`: only the known points are checked.
    expect(watcher.events.slice(0, 2)).toEqual([
      { remaining: 8, status: 'live' },
      { remaining: 4, status: 'live' },
    ])
    expect(watcher.events.at(-1)).toEqual({ remaining: 0, status: 'sold_out' })
    expect((await catalog.call('GET', `/sales/${id}`, 'anonymous')).body).toMatchObject({
      remaining: 0,
      status: 'sold_out',
    })
    expect(catalog.errors).toEqual([])
  })
})
