import { describe, expect, it } from 'bun:test'
import { flashSales, products, saleBuckets } from '@flash/db'
import {
  connectRedis,
  keySpace,
  markFreshKeySpace,
  offerKeys,
  partitionTag,
  scanKeys,
} from '@flash/redis'
import { createProduct, privateRedis, testDatabase } from '@flash/testing'
import { count, eq } from 'drizzle-orm'
import type { CatalogDeps } from '../src/deps.ts'
import type { CreateSaleBody } from '../src/modules/sales/model.ts'
import { createSale } from '../src/modules/sales/service.ts'
import { recordCommands, saleBody } from './helpers.ts'

/**
 * A Redis of the test's own (users are server-wide: the shared one is left
 * alone) on which the catalog's user may not write hashes in one partition:
 * a real refusal (NOPERM) of one bucket's publish while the other buckets'
 * are written, which is the half-done state the undo must clean up.
 */
async function redisRefusingHashesIn(deniedPartition: number) {
  const server = await privateRedis()
  const space = keySpace('t:', 3)
  const admin = connectRedis(server.url, { name: 'test-admin' })
  await markFreshKeySpace(admin, space)
  const allowed = [0, 1, 2]
    .filter((partition) => partition !== deniedPartition)
    .map((partition) => `~${partitionTag(space, partition)}:*`)
  await admin.call('ACL', 'SETUSER', 'catalog', 'on', '>catalog', '~*', '&*', '+@all', '-hset')
  // A selector: HSET is allowed on the other partitions' keys only.
  await admin.call('ACL', 'SETUSER', 'catalog', `(+hset ${allowed.join(' ')})`)
  const url = new URL(server.url)
  url.username = 'catalog'
  url.password = 'catalog'
  const app = connectRedis(url.toString(), { name: 'catalog-under-test' })
  return {
    space,
    admin,
    app,
    async [Symbol.asyncDispose]() {
      app.disconnect()
      admin.disconnect()
      await server[Symbol.asyncDispose]()
    },
  }
}

describe('a bucketed sale whose publish fails', () => {
  it('unpublishes every bucket and keeps no sale, allotment or product units in MySQL', async () => {
    await using database = await testDatabase()
    await using redis = await redisRefusingHashesIn(2)
    const commands = recordCommands(redis.app)
    const errors: string[] = []
    const deps: CatalogDeps = {
      db: database.db,
      redis: redis.app,
      space: redis.space,
      now: () => new Date(),
      log: (line) => errors.push(line),
    }
    const productId = await createProduct(database.db, { stock: 100 })

    // Three buckets on three partitions: whatever the sale's id, one bucket is on partition 2.
    const body = saleBody(productId, { quantity: 10, buckets: 3 }) as CreateSaleBody
    const created = await createSale(deps, body)

    const refusal = created._unsafeUnwrapErr()
    // The publish itself failed (bucket 2's MULTI refused), not some earlier step.
    expect(refusal.type === 'Unavailable' && String(refusal.cause)).toStartWith(
      'ReplyError: EXECABORT',
    )
    const metas = commands.filter((c) => c.startsWith('hset ')).map((c) => c.slice(5))
    expect(metas).toHaveLength(3)
    const saleId = metas[0]?.split(':sale:')[1]?.split(':')[0] ?? ''
    const stocks = [0, 1, 2].map(
      (partition) => offerKeys(redis.space, { kind: 'sale', id: saleId }, partition).stock,
    )
    // Each bucket's undo ran, the two published ones and the refused one.
    expect(commands.filter((c) => c.startsWith('unlink ')).sort()).toEqual(
      stocks.map((stock) => `unlink ${stock}`).sort(),
    )
    const left: string[] = []
    for await (const { keys } of scanKeys(redis.admin, 't:*')) left.push(...keys)
    expect(left.filter((key) => !key.endsWith(':generation'))).toEqual([])
    const db = database.db
    const [sales] = await db.select({ n: count() }).from(flashSales)
    const [allotments] = await db.select({ n: count() }).from(saleBuckets)
    const [product] = await db
      .select({ stock: products.stock })
      .from(products)
      .where(eq(products.id, productId))
    expect({ sales: sales?.n, allotments: allotments?.n, stock: product?.stock }).toEqual({
      sales: 0,
      allotments: 0,
      stock: 100,
    })
    expect(errors).toEqual([])
  })
})
