import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import {
  type BadRequest,
  type Body,
  expectRefused,
  get,
  messages,
  tooBig,
  write,
} from './bad-input.ts'
import { adminCreatesSale, type Catalog, saleBody, startCatalog } from './helpers.ts'

let catalog: Catalog
let sale: { id: string; productId: string }
beforeAll(async () => {
  catalog = await startCatalog()
  sale = await adminCreatesSale(catalog, { quantity: 5 })
})
afterAll(() => catalog[Symbol.asyncDispose]())

const { notObject, notJson, tooLarge, unknown } = messages
const create = (what: string, body: Body, status: 400 | 413, message: string) =>
  write(what, ['POST', '/sales'], body, status, message)
/** `{product}` is replaced when sent: the product is made after this table is. */
const withSale = (changes: Record<string, unknown>): Body => ({
  json: saleBody('{product}', changes),
})

const cases: BadRequest[] = [
  get('an unknown status filter', '/sales?status=LIVE', 400, 'query.status: must be one of'),
  get('an empty status filter', '/sales?status=', 400, 'query.status:'),
  get('a page limit over the cap', '/sales?limit=500', 400, 'query.limit:'),
  get('a cursor that is not an id', '/sales?cursor=1', 400, 'query.cursor:'),
  get('a sale id that cannot be an id', '/sales/summer', 404, 'no such sale'),
  get('a sale id over 64 characters', `/sales/${'a'.repeat(65)}`, 400, 'params.id:'),
  get('events of a sale id that cannot be an id', '/sales/summer/events', 404, 'no such sale'),
  get('events of an unknown sale', `/sales/${Bun.randomUUIDv7()}/events`, 404, 'no such sale'),
  get(
    'events of a sale id over 64 characters',
    `/sales/${'a'.repeat(65)}/events`,
    400,
    'params.id:',
  ),
  create('an empty body', { raw: '' }, 400, notObject),
  create('a body that is not JSON', { raw: "{productId: 'x'}" }, 400, notJson),
  create('a body that is an array', { json: [] }, 400, notObject),
  create('an unknown field', withSale({ remaining: 1 }), 400, unknown('remaining')),
  create('a quantity given as text', withSale({ quantity: '3' }), 400, 'body.quantity:'),
  create('a fractional quantity', withSale({ quantity: 2.5 }), 400, 'body.quantity:'),
  create(
    'a per-buyer limit over the maximum',
    withSale({ perUserLimit: 1e12 }),
    400,
    'body.perUserLimit:',
  ),
  create('a price that is negative', withSale({ price: -100 }), 400, 'body.price:'),
  // The bound keeps an order's total (at most 1,000 units) an exact integer, below 2^53.
  create('a price over the maximum', withSale({ price: 1_000_000_000_001 }), 400, 'body.price:'),
  create('zero buckets', withSale({ buckets: 0 }), 400, 'body.buckets: must be an integer from 1'),
  create('buckets over the schema bound', withSale({ buckets: 65 }), 400, 'body.buckets:'),
  create('a fractional bucket count', withSale({ buckets: 1.5 }), 400, 'body.buckets:'),
  create('buckets given as text', withSale({ buckets: '2' }), 400, 'body.buckets:'),
  // The test catalog's key space has one partition: no room for a second bucket.
  create(
    'more buckets than the partitions',
    withSale({ buckets: 2 }),
    400,
    'body.buckets: must be at most 1, the Redis partitions',
  ),
  create('a start given as a number', withSale({ startsAt: 1_700_000_000 }), 400, 'body.startsAt:'),
  create('an end that is null', withSale({ endsAt: null }), 400, 'body.endsAt:'),
  create('a product id given as a number', withSale({ productId: 42 }), 400, 'body.productId:'),
  create('an oversized body', withSale({ pad: tooBig }), 413, tooLarge),
  create('an oversized body sent chunked', { chunked: JSON.stringify(tooBig) }, 413, tooLarge),
  {
    what: 'a method no route has',
    method: 'PUT',
    path: '/sales',
    caller: 'admin',
    status: 404,
    message: 'no route PUT /sales',
  },
]

describe('bad input on the /sales routes', () => {
  it.each(cases.map((c) => [c.what, c] as const))(
    'refuses %s with a 4xx error body and logs nothing',
    async (_, request) => {
      await expectRefused(catalog, request, sale.productId)
    },
  )

  it('ignores query parameters it does not know, as URLs collect them (cache busters, tags)', async () => {
    const listed = await catalog.call('GET', '/sales?status=live&ref=home', 'anonymous')

    expect([listed.status, listed.body.items.length]).toEqual([200, 1])
  })

  it('leaves the sale as it was after all of it, with no feed left open', async () => {
    const read = await catalog.call('GET', `/sales/${sale.id}`, 'anonymous')

    expect(read.body).toMatchObject({ quantity: 5, remaining: 5, status: 'live' })
    expect(catalog.app.decorator.saleFeeds.stats()).toMatchObject({ sales: 0, listeners: 0 })
    expect(catalog.errors).toEqual([])
  })
})
