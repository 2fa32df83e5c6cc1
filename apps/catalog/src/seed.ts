import { connectDb } from '@flash/db/client'
import { connectRedis, keySpace } from '@flash/redis'
import { ok, type ResultAsync, safeTry } from 'neverthrow'
import type { CatalogDeps } from './deps.ts'
import type { CatalogError } from './errors.ts'
import { createProduct, findProductByName } from './modules/products/service.ts'
import { findLiveSale } from './modules/sales/read.ts'
import { createSale } from './modules/sales/service.ts'

/** What the demo sells; the name is how a second run finds the first run's product. */
export const demo = {
  product: {
    name: 'Demo sneakers',
    description: 'Limited-run sneakers for trying the flash sale out.',
    price: 89_000,
    // Each seeding outside a live window takes a sale's quantity from this stock.
    stock: 10_000,
  },
  sale: { price: 49_000, quantity: 100, perUserLimit: 2, durationMs: 2 * 60 * 60 * 1000 },
} as const

/**
 * Makes sure a demo product exists with a flash sale live right now, through
 * the same service functions as the HTTP routes. Idempotent: the demo
 * product is reused, and so is its sale while that sale's window is open
 * (even sold out), so running it twice never makes two live demo sales.
 * Not meant to run concurrently with itself.
 *
 * Only an offer it has just created is published to Redis (with it, in one
 * step). An offer that already existed is left as Redis has it: its stock
 * there may be lower than any number MySQL holds (`flash_sales.remaining`
 * is a synced copy, up to one sync behind), and after Redis lost it, the
 * worker's recovery publishes it again from the orders MySQL has.
 *
 * @example
 * const ids = await seedDemoSale(deps) // ok({ productId, saleId })
 */
export function seedDemoSale(
  deps: CatalogDeps,
): ResultAsync<{ productId: string; saleId: string }, CatalogError> {
  return safeTry(async function* () {
    const product =
      (yield* findProductByName(deps, demo.product.name)) ??
      (yield* createProduct(deps, demo.product))
    const live = yield* findLiveSale(deps, product.id)
    if (live) return ok({ productId: product.id, saleId: live.id })
    const startsAt = deps.now()
    const sale = yield* createSale(deps, {
      productId: product.id,
      price: demo.sale.price,
      quantity: demo.sale.quantity,
      perUserLimit: demo.sale.perUserLimit,
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + demo.sale.durationMs).toISOString(),
    })
    return ok({ productId: product.id, saleId: sale.id })
  })
}

if (import.meta.main) {
  // Imported here, not at the top, so importing seedDemoSale never reads the environment.
  const { env } = await import('./env.ts')
  const redis = connectRedis(env.REDIS_URL, { name: 'catalog-seed' })
  const { db, close } = connectDb(env.DATABASE_URL, { connectionLimit: 2 })
  const log = (line: string) => console.error(line)
  const space = keySpace(env.REDIS_PREFIX, env.REDIS_PARTITIONS)
  const result = await seedDemoSale({ db, redis, space, now: () => new Date(), log })
  redis.disconnect()
  await close()
  if (result.isErr()) {
    const { type } = result.error
    const cause = 'cause' in result.error ? `: ${String(result.error.cause)}` : ''
    console.error(`[catalog] seeding the demo sale failed: ${type}${cause}`)
    process.exit(1)
  }
  // The last line of stdout is the contract with the start script.
  console.log(JSON.stringify(result.value))
}
