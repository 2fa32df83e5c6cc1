import type { products } from '@flash/db'
import { type Offer, publishOffer } from '@flash/redis'
import { ResultAsync } from 'neverthrow'
import type { CatalogDeps } from '../../deps.ts'
import type { CatalogError } from '../../errors.ts'

/** A products row as MySQL stores it. */
export type ProductRow = typeof products.$inferSelect

/**
 * The offer checkout sells a product from at its list price.
 *
 * @example
 * offerKeys(space, productOffer(id)).stock
 */
export function productOffer(id: string): Offer {
  return { kind: 'product', id }
}

/**
 * Writes a product's offer rules (its price) to Redis, and its stock only
 * when no counter exists: a live counter is never overwritten, so this is
 * always safe to repeat.
 *
 * @example
 * await publishProduct(deps, row) // ok({ created: false }) while the counter is there
 */
export function publishProduct(
  deps: CatalogDeps,
  row: ProductRow,
): ResultAsync<{ created: boolean }, CatalogError> {
  const meta = { productId: row.id, saleId: '', price: row.price, perUserLimit: 0 }
  return ResultAsync.fromPromise(
    publishOffer(deps.redis, deps.space, productOffer(row.id), meta, row.stock),
    (cause): CatalogError => ({ type: 'Unavailable', cause }),
  )
}
