import { describe, expect, it } from 'bun:test'
import { flashSales } from '@flash/db'
import { createSale } from '@flash/testing'
import { eq } from 'drizzle-orm'
import { adminCreatesSale, saleStock, startCatalog } from './helpers.ts'

const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3_600_000)

describe('GET /sales/:id', () => {
  it('shows remaining as the Redis counter has it, not the MySQL column', async () => {
    await using catalog = await startCatalog()
    const sale = await adminCreatesSale(catalog, { quantity: 10 })

    await catalog.redis.redis.decrby(saleStock(catalog, sale.id), 4)
    const read = await catalog.call('GET', `/sales/${sale.id}`, 'anonymous')

    expect(read.body).toMatchObject({ id: sale.id, quantity: 10, remaining: 6, status: 'live' })
    const [row] = await catalog.database.db.select().from(flashSales)
    expect(row?.remaining).toBe(10)
  })

  it('says sold_out while the window is open and the counter is zero', async () => {
    await using catalog = await startCatalog()
    const sale = await adminCreatesSale(catalog, { quantity: 3 })

    await catalog.redis.redis.decrby(saleStock(catalog, sale.id), 3)

    expect((await catalog.call('GET', `/sales/${sale.id}`, 'anonymous')).body).toMatchObject({
      remaining: 0,
      status: 'sold_out',
    })
  })

  it('falls back to the MySQL remaining when the sale is not in Redis', async () => {
    await using catalog = await startCatalog()
    const sale = await adminCreatesSale(catalog, { quantity: 10 })
    await catalog.redis.redis.unlink(saleStock(catalog, sale.id))
    await catalog.database.db
      .update(flashSales)
      .set({ remaining: 7 })
      .where(eq(flashSales.id, sale.id))

    expect((await catalog.call('GET', `/sales/${sale.id}`, 'anonymous')).body.remaining).toBe(7)
  })

  it('answers 404 not_found for an unknown id and for one that cannot be an id', async () => {
    await using catalog = await startCatalog()
    const notFound = {
      status: 404,
      body: { error: { code: 'not_found', message: 'no such sale' } },
    }

    expect(await catalog.call('GET', `/sales/${Bun.randomUUIDv7()}`, 'anonymous')).toEqual(notFound)
    expect(await catalog.call('GET', '/sales/not-a-sale', 'anonymous')).toEqual(notFound)
  })
})

describe('GET /sales', () => {
  it('filters by window: upcoming, live (sold out included) and ended', async () => {
    await using catalog = await startCatalog()
    const { db } = catalog.database
    const upcoming = await adminCreatesSale(catalog, {
      startsAt: hoursFromNow(1).toISOString(),
      endsAt: hoursFromNow(2).toISOString(),
    })
    const live = await adminCreatesSale(catalog, { quantity: 5 })
    const soldOut = await adminCreatesSale(catalog, { quantity: 1 })
    await catalog.redis.redis.decrby(saleStock(catalog, soldOut.id), 1)
    const ended = await createSale(db, catalog.redis.redis, catalog.redis.space, {
      quantity: 5,
      startsAt: hoursFromNow(-3),
      endsAt: hoursFromNow(-1),
    })

    const list = async (query: string) =>
      (await catalog.call('GET', `/sales${query}`, 'anonymous')).body.items.map(
        (s: { id: string; status: string }) => [s.id, s.status],
      )

    expect(await list('?status=upcoming')).toEqual([[upcoming.id, 'upcoming']])
    expect(await list('?status=live')).toEqual([
      [soldOut.id, 'sold_out'],
      [live.id, 'live'],
    ])
    expect(await list('?status=ended')).toEqual([[ended.saleId, 'ended']])
    expect(await list('')).toEqual([
      [ended.saleId, 'ended'],
      [soldOut.id, 'sold_out'],
      [live.id, 'live'],
      [upcoming.id, 'upcoming'],
    ])
  })

  it('pages through a filtered list newest first with the cursor', async () => {
    await using catalog = await startCatalog()
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await adminCreatesSale(catalog)).id)
    await adminCreatesSale(catalog, {
      startsAt: hoursFromNow(1).toISOString(),
      endsAt: hoursFromNow(2).toISOString(),
    })

    const pages: string[][] = []
    let cursor: string | null = null
    do {
      const query: string = cursor ? `&cursor=${cursor}` : ''
      const page = await catalog.call('GET', `/sales?status=live&limit=2${query}`, 'anonymous')
      pages.push(page.body.items.map((s: { id: string }) => s.id))
      cursor = page.body.nextCursor
    } while (cursor)

    const newestFirst = ids.toReversed()
    expect(pages).toEqual([newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4)])
  })

  it('refuses an unknown status with 400 naming the parameter', async () => {
    await using catalog = await startCatalog()
    expect(await catalog.call('GET', '/sales?status=sold_out', 'anonymous')).toEqual({
      status: 400,
      body: {
        error: {
          code: 'invalid_request',
          message: 'query.status: must be one of upcoming, live, ended',
        },
      },
    })
  })
})
