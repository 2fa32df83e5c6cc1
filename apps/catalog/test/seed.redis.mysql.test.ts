import { describe, expect, it } from 'bun:test'
import { flashSales, products } from '@flash/db'
import { offerKeys, scanKeys, unlinkEach } from '@flash/redis'
import { count } from 'drizzle-orm'
import { demo, seedDemoSale } from '../src/seed.ts'
import { type Catalog, startCatalog } from './helpers.ts'

const repoRoot = new URL('../../..', import.meta.url).pathname

async function rowCounts(catalog: Catalog) {
  const { db } = catalog.database
  const [productRows] = await db.select({ n: count() }).from(products)
  const [saleRows] = await db.select({ n: count() }).from(flashSales)
  return { products: productRows?.n, sales: saleRows?.n }
}

/** What a Redis restarted without its data looks like to this test's keys. */
async function emptyRedis(catalog: Catalog) {
  const { redis, prefix } = catalog.redis
  for await (const { node, keys } of scanKeys(redis, `${prefix}*`)) await unlinkEach(node, keys)
}

describe('seedDemoSale', () => {
  it('creates a demo product and a sale live now for two hours at the demo terms', async () => {
    await using catalog = await startCatalog()

    const seeded = (await seedDemoSale(catalog.deps))._unsafeUnwrap()

    const sale = await catalog.call('GET', `/sales/${seeded.saleId}`, 'anonymous')
    expect(sale.body).toMatchObject({
      productId: seeded.productId,
      name: demo.product.name,
      price: 49_000,
      quantity: 100,
      remaining: 100,
      perUserLimit: 2,
      status: 'live',
    })
    expect(Date.parse(sale.body.endsAt) - Date.parse(sale.body.startsAt)).toBe(2 * 60 * 60 * 1000)
    const product = await catalog.call('GET', `/products/${seeded.productId}`, 'anonymous')
    expect(product.body.stock).toBe(demo.product.stock - 100)
  })

  it('reuses the demo product and its live sale when run twice, making no second live sale', async () => {
    await using catalog = await startCatalog()

    const first = (await seedDemoSale(catalog.deps))._unsafeUnwrap()
    const second = (await seedDemoSale(catalog.deps))._unsafeUnwrap()

    expect(second).toEqual(first)
    expect(await rowCounts(catalog)).toEqual({ products: 1, sales: 1 })
    const live = await catalog.call('GET', '/sales?status=live', 'anonymous')
    expect(live.body.items.map((s: { id: string }) => s.id)).toEqual([first.saleId])
  })

  it('leaves what Redis counts for the reused sale as it is', async () => {
    await using catalog = await startCatalog()
    const first = (await seedDemoSale(catalog.deps))._unsafeUnwrap()
    const stock = offerKeys(catalog.redis.space, { kind: 'sale', id: first.saleId }).stock
    await catalog.redis.redis.decrby(stock, 40)

    await seedDemoSale(catalog.deps)

    expect(await catalog.redis.redis.get(stock)).toBe('60')
  })

  it('publishes no stock from MySQL for the sale and product it reuses once Redis has lost them', async () => {
    await using catalog = await startCatalog()
    const first = (await seedDemoSale(catalog.deps))._unsafeUnwrap()
    const { space, redis } = catalog.redis
    const saleStock = offerKeys(space, { kind: 'sale', id: first.saleId }).stock
    const productStock = offerKeys(space, { kind: 'product', id: first.productId }).stock
    // 40 sold since MySQL last synced the sale's remaining, then Redis comes back empty.
    await redis.decrby(saleStock, 40)
    await emptyRedis(catalog)

    const again = (await seedDemoSale(catalog.deps))._unsafeUnwrap()

    expect({
      ids: again,
      sale: await redis.get(saleStock),
      product: await redis.get(productStock),
    }).toEqual({ ids: first, sale: null, product: null })
  })

  it('creates a new sale for the same product once the previous one has ended', async () => {
    await using catalog = await startCatalog()
    const first = (await seedDemoSale(catalog.deps))._unsafeUnwrap()
    const threeHoursLater = { ...catalog.deps, now: () => new Date(Date.now() + 3 * 3_600_000) }

    const later = (await seedDemoSale(threeHoursLater))._unsafeUnwrap()

    expect(later.productId).toBe(first.productId)
    expect(later.saleId).not.toBe(first.saleId)
    expect(await rowCounts(catalog)).toEqual({ products: 1, sales: 2 })
  })

  it('runs as a script that prints the ids as JSON on its last line, the same ids each time', async () => {
    await using catalog = await startCatalog()
    const run = async () => {
      const child = Bun.spawn(['bun', 'apps/catalog/src/seed.ts'], {
        cwd: repoRoot,
        env: {
          ...Bun.env,
          DATABASE_URL: catalog.database.url,
          REDIS_URL: catalog.redis.url,
          REDIS_PREFIX: catalog.redis.prefix,
        },
        stdout: 'pipe',
        stderr: 'inherit',
      })
      const [stdout, exitCode] = await Promise.all([
        new Response(child.stdout).text(),
        child.exited,
      ])
      return { exitCode, last: JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null') }
    }

    const first = await run()
    const second = await run()

    expect(first).toEqual({
      exitCode: 0,
      last: { productId: expect.any(String), saleId: expect.any(String) },
    })
    expect(second).toEqual(first)
    expect(
      (await catalog.call('GET', `/sales/${first.last.saleId}`, 'anonymous')).body.status,
    ).toBe('live')
  })
})
