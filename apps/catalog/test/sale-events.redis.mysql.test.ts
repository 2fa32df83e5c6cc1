import { describe, expect, it } from 'bun:test'
import { createSale, waitFor } from '@flash/testing'
import type { SaleUpdate } from '../src/modules/sales/sale-feed.ts'
import { adminCreatesSale, type Catalog, saleStock, startCatalog } from './helpers.ts'
import { type SaleWatcher, watchSale } from './watch-sale.ts'

const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3_600_000)

/** Waits until every watcher's latest event is `expected`. */
function allSee(watchers: SaleWatcher[], expected: SaleUpdate, what: string) {
  return waitFor(
    () =>
      watchers.every(
        (w) =>
          w.events.at(-1)?.remaining === expected.remaining &&
          w.events.at(-1)?.status === expected.status,
      ) || undefined,
    { what },
  )
}

function feedsOf(catalog: Catalog) {
  return catalog.app.decorator.saleFeeds
}

describe('GET /sales/:id/events', () => {
  it('sends every listener the state at once and each change, reading Redis once per tick however many listen', async () => {
    await using catalog = await startCatalog({ saleEvents: { pollMs: 50 } })
    const sale = await adminCreatesSale(catalog, { quantity: 10 })
    catalog.commands.length = 0

    const watchers = Array.from({ length: 50 }, () => watchSale(catalog.url, sale.id))
    await allSee(watchers, { remaining: 10, status: 'live' }, 'the first event on all 50 streams')
    expect(feedsOf(catalog).stats()).toMatchObject({ sales: 1, listeners: 50 })
    const changes: [number, SaleUpdate][] = [
      [1, { remaining: 9, status: 'live' }],
      [2, { remaining: 7, status: 'live' }],
      [7, { remaining: 0, status: 'sold_out' }],
    ]
    for (const [taken, expected] of changes) {
      await catalog.redis.redis.decrby(saleStock(catalog, sale.id), taken)
      await allSee(watchers, expected, `remaining ${expected.remaining} on all 50 streams`)
    }
    for (const watcher of watchers) watcher.leave()
    await waitFor(() => feedsOf(catalog).stats().sales === 0, { what: 'the feed to stop' })

    expect(watchers.map((w) => w.events)).toEqual(
      watchers.map(() => [
        { remaining: 10, status: 'live' },
        ...changes.map(([, update]) => update),
      ]),
    )
    // Every poll sends exactly one GET; a poll counted just before the feed stopped may still be in flight.
    const { polls } = feedsOf(catalog).stats()
    await waitFor(() => catalog.commands.length === polls, { what: 'one command per poll' })
    expect(new Set(catalog.commands)).toEqual(new Set([`get ${saleStock(catalog, sale.id)}`]))
    // One read per listener per change would have taken 50 * 4 reads at the least.
    expect(polls).toBeLessThan(watchers.length * (changes.length + 1))
    expect(catalog.errors).toEqual([])
  })

  it('answers with event-stream headers and data lines of JSON that a plain reader can parse', async () => {
    await using catalog = await startCatalog()
    const sale = await adminCreatesSale(catalog, { quantity: 4 })

    const watcher = watchSale(catalog.url, sale.id)
    const response = await watcher.response
    await waitFor(() => watcher.events.length === 1, { what: 'the first event' })
    watcher.leave()

    expect({
      status: response.status,
      type: response.headers.get('content-type'),
      cache: response.headers.get('cache-control'),
    }).toEqual({
      status: 200,
      type: 'text/event-stream; charset=utf-8',
      cache: 'no-cache, no-transform',
    })
    expect(watcher.raw.join('')).toStartWith('data: {"remaining":4,"status":"live"}\n\n')
  })

  it('tells a listener that joins later the current state at once, without another Redis read', async () => {
    await using catalog = await startCatalog({ saleEvents: { pollMs: 60_000 } })
    const sale = await adminCreatesSale(catalog, { quantity: 6 })
    const first = watchSale(catalog.url, sale.id)
    await waitFor(() => first.events.length === 1, { what: 'the first listener’s event' })
    const readsSoFar = feedsOf(catalog).stats().polls

    const later = watchSale(catalog.url, sale.id)
    await waitFor(() => later.events.length === 1, { what: 'the later listener’s event' })

    expect(later.events).toEqual([{ remaining: 6, status: 'live' }])
    expect(feedsOf(catalog).stats()).toEqual({ sales: 1, listeners: 2, polls: readsSoFar })
    first.leave()
    later.leave()
  })

  it('removes a listener that disconnects, and stops reading Redis once the last one has left', async () => {
    await using catalog = await startCatalog({ saleEvents: { pollMs: 20 } })
    const watched = await adminCreatesSale(catalog, { quantity: 5 })
    const other = await adminCreatesSale(catalog, { quantity: 5 })
    const [one, two] = [watchSale(catalog.url, watched.id), watchSale(catalog.url, watched.id)]
    await waitFor(() => one.events.length && two.events.length, { what: 'both first events' })

    one.leave()
    await waitFor(() => feedsOf(catalog).stats().listeners === 1, { what: 'one listener left' })
    two.leave()
    await waitFor(() => feedsOf(catalog).stats().sales === 0, { what: 'no feed left' })
    const from = catalog.commands.length
    // Time passes by another sale's polls, not by sleeping.
    const third = watchSale(catalog.url, other.id)
    await waitFor(() => catalog.commands.length >= from + 5, {
      what: 'five polls of the other sale',
    })
    third.leave()

    const watchedKey = saleStock(catalog, watched.id)
    expect(catalog.commands.slice(from).filter((c) => c.includes(watchedKey))).toEqual([])
    await Promise.all([one.done, two.done, third.done])
  })

  it('answers 404 with the JSON error body, not a stream, for an unknown sale or an impossible id', async () => {
    await using catalog = await startCatalog()

    for (const id of [Bun.randomUUIDv7(), 'not-a-sale']) {
      const response = await fetch(`${catalog.url}/sales/${id}/events`)
      expect({
        status: response.status,
        type: response.headers.get('content-type'),
        body: await response.json(),
      }).toEqual({
        status: 404,
        type: expect.stringMatching(/^application\/json/),
        body: { error: { code: 'not_found', message: 'no such sale' } },
      })
    }
    expect(feedsOf(catalog).stats()).toEqual({ sales: 0, listeners: 0, polls: 0 })
  })

  it('sends one event with status ended and closes the stream for a sale that has ended', async () => {
    await using catalog = await startCatalog()
    const { saleId } = await createSale(
      catalog.database.db,
      catalog.redis.redis,
      catalog.redis.space,
      {
        quantity: 8,
        startsAt: hoursFromNow(-2),
        endsAt: hoursFromNow(-1),
      },
    )
    await catalog.redis.redis.decrby(saleStock(catalog, saleId), 3)

    const watcher = watchSale(catalog.url, saleId)
    await watcher.done

    expect({ events: watcher.events, ended: watcher.ended }).toEqual({
      events: [{ remaining: 5, status: 'ended' }],
      ended: true,
    })
    expect(feedsOf(catalog).stats()).toMatchObject({ sales: 0, listeners: 0 })
  })

  it('follows the window as the clock moves: upcoming, then live, then a final ended event and the end', async () => {
    let now = new Date()
    await using catalog = await startCatalog({ now: () => now, saleEvents: { pollMs: 20 } })
    const startsAt = hoursFromNow(1)
    const endsAt = hoursFromNow(2)
    const { saleId } = await createSale(
      catalog.database.db,
      catalog.redis.redis,
      catalog.redis.space,
      {
        quantity: 3,
        startsAt,
        endsAt,
      },
    )
    const watcher = watchSale(catalog.url, saleId)
    await waitFor(() => watcher.events.length === 1, { what: 'the upcoming event' })

    now = startsAt
    await waitFor(() => watcher.events.length === 2, { what: 'the live event' })
    now = endsAt
    await watcher.done

    expect({ events: watcher.events, ended: watcher.ended }).toEqual({
      events: [
        { remaining: 3, status: 'upcoming' },
        { remaining: 3, status: 'live' },
        { remaining: 3, status: 'ended' },
      ],
      ended: true,
    })
    expect(feedsOf(catalog).stats()).toMatchObject({ sales: 0, listeners: 0 })
  })

  it('sends a comment as a heartbeat while nothing changes', async () => {
    await using catalog = await startCatalog({ saleEvents: { heartbeatMs: 20 } })
    const sale = await adminCreatesSale(catalog, { quantity: 2 })

    const watcher = watchSale(catalog.url, sale.id)
    await waitFor(() => watcher.comments >= 2, { what: 'two heartbeats' })
    watcher.leave()

    expect(watcher.raw.join('')).toContain('\n\n: keep-alive\n\n')
    expect(watcher.events).toEqual([{ remaining: 2, status: 'live' }])
  })

  it('keeps streaming the last known count while Redis fails, logging the outage once', async () => {
    await using catalog = await startCatalog({ saleEvents: { pollMs: 20 } })
    const sale = await adminCreatesSale(catalog, { quantity: 9 })
    const watcher = watchSale(catalog.url, sale.id)
    await waitFor(() => watcher.events.length === 1, { what: 'the first event' })

    // A wrong type under the counter's key makes every read of it fail, as a Redis error would.
    await catalog.redis.redis.del(saleStock(catalog, sale.id))
    await catalog.redis.redis.hset(saleStock(catalog, sale.id), 'x', '1')
    const failedFrom = feedsOf(catalog).stats().polls
    await waitFor(() => feedsOf(catalog).stats().polls >= failedFrom + 5, {
      what: 'five failed polls',
    })
    watcher.leave()

    expect(watcher.events).toEqual([{ remaining: 9, status: 'live' }])
    expect(catalog.errors).toHaveLength(1)
    expect(catalog.errors[0]).toStartWith(`[catalog] redis read failed for sale events ${sale.id}`)
  })

  it('ends every open stream and refuses new ones with 503 once the hub is closed for shutdown', async () => {
    await using catalog = await startCatalog()
    const sale = await adminCreatesSale(catalog, { quantity: 2 })
    const watcher = watchSale(catalog.url, sale.id)
    await waitFor(() => watcher.events.length === 1, { what: 'the first event' })

    feedsOf(catalog).close()
    await watcher.done
    const refused = await catalog.call('GET', `/sales/${sale.id}/events`, 'anonymous')

    expect(watcher.ended).toBe(true)
    expect(refused).toEqual({
      status: 503,
      body: {
        error: { code: 'unavailable', message: 'the catalog is restarting; try again shortly' },
      },
    })
    expect(catalog.errors).toEqual([])
  })
})
