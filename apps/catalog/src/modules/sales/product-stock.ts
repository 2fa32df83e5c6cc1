import { products } from '@flash/db'
import { adjustLiveStock, offerKeys } from '@flash/redis'
import { and, eq, gte, sql } from 'drizzle-orm'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import type { CatalogDeps } from '../../deps.ts'
import type { CatalogError } from '../../errors.ts'
import { type Compensations, fromDb, type Tx } from '../../shared/transaction.ts'
import { productOffer } from '../products/offer.ts'

/**
 * Units promised to a sale leave the product's general stock, in both places
 * it is counted. In MySQL a conditional update does it; it also locks the
 * row until commit, so two sales of one product are decided one after the
 * other and cannot together promise more than there is.
 *
 * @example
 * commitProductStock(tx, productId, 100, new Date()) // ok({ name }) or err(InsufficientStock)
 */
export function commitProductStock(
  tx: Tx,
  productId: string,
  quantity: number,
  now: Date,
): ResultAsync<{ name: string }, CatalogError> {
  const take = tx
    .update(products)
    .set({ stock: sql`${products.stock} - ${quantity}`, updatedAt: now })
    .where(and(eq(products.id, productId), gte(products.stock, quantity)))
  const read = () =>
    tx
      .select({ name: products.name, stock: products.stock })
      .from(products)
      .where(eq(products.id, productId))
  return fromDb(take).andThen(([header]) =>
    fromDb(read()).andThen(([product]): ResultAsync<{ name: string }, CatalogError> => {
      if (!product) return errAsync({ type: 'UnknownProduct', productId })
      if (header.affectedRows !== 1)
        return errAsync({
          type: 'InsufficientStock',
          requested: quantity,
          available: product.stock,
        })
      return okAsync({ name: product.name })
    }),
  )
}

/**
 * The same units leave the product's live counter in Redis, which checkout
 * sells from and which may be lower than MySQL's (sales not synced back
 * yet). A product never published to Redis has only its MySQL stock.
 *
 * @example
 * takeLiveProductStock(deps, productId, 100, compensations) // err(InsufficientStock) if short
 */
export function takeLiveProductStock(
  deps: CatalogDeps,
  productId: string,
  quantity: number,
  compensations: Compensations,
): ResultAsync<void, CatalogError> {
  const { stock } = offerKeys(deps.space, productOffer(productId))
  return ResultAsync.fromPromise(
    adjustLiveStock(deps.redis, stock, -quantity),
    (cause): CatalogError => ({ type: 'Unavailable', cause }),
  ).andThen((taken): ResultAsync<void, CatalogError> => {
    if (taken.type === 'WouldGoNegative')
      return errAsync({
        type: 'InsufficientStock',
        requested: quantity,
        available: taken.remaining,
      })
    if (taken.type === 'Adjusted')
      compensations.add(`give ${quantity} units back to product ${productId}`, () =>
        deps.redis.incrby(stock, quantity),
      )
    return okAsync(undefined)
  })
}
