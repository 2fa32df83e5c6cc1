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
import { adminCreatesProduct, type Catalog, startCatalog } from './helpers.ts'

let catalog: Catalog
let productId: string
beforeAll(async () => {
  catalog = await startCatalog()
  productId = (await adminCreatesProduct(catalog)).id
})
afterAll(() => catalog[Symbol.asyncDispose]())

const { notObject, notJson, tooLarge, unknown } = messages
const product = { name: 'Sneakers', description: 'white', price: 89_000, stock: 100 }
const create = (what: string, body: Body, status: 400 | 413, message: string) =>
  write(what, ['POST', '/products'], body, status, message)
const update = (what: string, body: Body, status: 400 | 413, message: string) =>
  write(what, ['PATCH', '/products/{product}'], body, status, message)
const withProduct = (changes: Record<string, unknown>): Body => ({
  json: { ...product, ...changes },
})

const cases: BadRequest[] = [
  get(
    'a page limit over the cap',
    '/products?limit=101',
    400,
    'query.limit: must be an integer from 1 to 100 (pages are capped at 100)',
  ),
  get('a huge page limit', '/products?limit=100000000000000000000000', 400, 'query.limit:'),
  get('a page limit of zero', '/products?limit=0', 400, 'query.limit:'),
  get('a negative page limit', '/products?limit=-5', 400, 'query.limit:'),
  get('a fractional page limit', '/products?limit=2.5', 400, 'query.limit:'),
  get('a page limit in words', '/products?limit=ten', 400, 'query.limit:'),
  get('a cursor that is not an id', '/products?cursor=abc', 400, 'query.cursor: must be the'),
  get('an empty cursor', '/products?cursor=', 400, 'query.cursor:'),
  get('a cursor carrying SQL', `/products?cursor=${encodeURI("' OR 1=1")}`, 400, 'query.cursor:'),
  get('a product id that cannot be an id', '/products/shoes', 404, 'no such product'),
  get('a product id over 64 characters', `/products/${'a'.repeat(65)}`, 400, 'params.id:'),
  create('an empty body', { raw: '' }, 400, notObject),
  create('a body that is not JSON', { raw: '{"name":' }, 400, notJson),
  create(
    'a body that is not UTF-8',
    { raw: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) },
    400,
    notJson,
  ),
  create('a body that is an array', { json: [product] }, 400, notObject),
  create('a body that is null', { json: null }, 400, notObject),
  create('a body that is a string', { json: 'Sneakers' }, 400, notObject),
  create('an unknown field', withProduct({ color: 'red' }), 400, unknown('color')),
  create(
    'an id chosen by the client',
    withProduct({ id: crypto.randomUUID() }),
    400,
    unknown('id'),
  ),
  create('a price given as text', withProduct({ price: '5' }), 400, 'body.price:'),
  create('a price given as an object', withProduct({ price: { amount: 5 } }), 400, 'body.price:'),
  // The bound keeps an order's total (at most 1,000 units) an exact integer, below 2^53.
  create('a price over the maximum', withProduct({ price: 1_000_000_000_001 }), 400, 'body.price:'),
  create('a stock over the maximum', withProduct({ stock: 1e10 }), 400, 'body.stock:'),
  create('a name that is a number', withProduct({ name: 5 }), 400, 'body.name:'),
  create(
    'a description that is null',
    withProduct({ description: null }),
    400,
    'body.description:',
  ),
  create('an oversized body', withProduct({ description: tooBig }), 413, tooLarge),
  create('an oversized body sent chunked', { chunked: JSON.stringify(tooBig) }, 413, tooLarge),
  update('an empty update', { raw: '' }, 400, notObject),
  update(
    'an update with no field',
    { json: {} },
    400,
    'body: must set at least one of name, description, price, stock',
  ),
  update('an update that is not JSON', { raw: '{"stock": 5' }, 400, notJson),
  update(
    'an update of an unknown field',
    { json: { stock: 5, color: 'red' } },
    400,
    unknown('color'),
  ),
  update('an update of the id', { json: { id: crypto.randomUUID() } }, 400, unknown('id')),
  update('a stock given as text', { json: { stock: '5' } }, 400, 'body.stock: must be an integer'),
  update('a negative stock', { json: { stock: -1 } }, 400, 'body.stock:'),
  update('a fractional price', { json: { price: 9.99 } }, 400, 'body.price:'),
  update('a blank name', { json: { name: '   ' } }, 400, 'body.name: must not be blank'),
  update(
    'an oversized update',
    { chunked: JSON.stringify({ description: tooBig }) },
    413,
    tooLarge,
  ),
  {
    what: 'a method no route has',
    method: 'DELETE',
    path: '/products/{product}',
    caller: 'admin',
    status: 404,
    message: 'no route DELETE /products/',
  },
]

describe('bad input on the /products routes', () => {
  it.each(cases.map((c) => [c.what, c] as const))(
    'refuses %s with a 4xx error body and logs nothing',
    async (_, request) => {
      await expectRefused(catalog, request, productId)
    },
  )

  it('ignores query parameters it does not know, as URLs collect them (cache busters, tags)', async () => {
    const listed = await catalog.call('GET', '/products?limit=1&utm_source=mail&_=17', 'anonymous')

    expect([listed.status, listed.body.items.length]).toEqual([200, 1])
  })

  it('leaves the product as it was after all of it', async () => {
    const read = await catalog.call('GET', `/products/${productId}`, 'anonymous')
    const listed = await catalog.call('GET', '/products', 'anonymous')

    expect(read.body).toEqual({ id: productId, ...product })
    expect(listed.body.items).toHaveLength(1)
    expect(catalog.errors).toEqual([])
  })
})
