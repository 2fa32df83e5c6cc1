import { products } from '@flash/db'
import { adjustLiveStock, offerKeys } from '@flash/redis'
import { eq } from 'drizzle-orm'
import { err, errAsync, ok, okAsync, ResultAsync, safeTry } from 'neverthrow'
import type { CatalogDeps } from '../../deps.ts'
import type { CatalogError } from '../../errors.ts'
import { isId } from '../../shared/ids.ts'
import { liveCount } from '../../shared/live-count.ts'
import { type Compensations, fromDb, inTransaction } from '../../shared/transaction.ts'
import type { ProductView, UpdateProductBody } from './model.ts'
import { type ProductRow, productOffer, publishProduct } from './offer.ts'
import { toView } from './service.ts'

/**
 * Changes any of a product's fields. A new `stock` is what MySQL should
 * count; the live Redis counter, which checkout decrements concurrently and
 * which may be lower than MySQL's (sales not synced back yet), moves by the
 * difference in one atomic step that refuses to go below zero. A new
 * `price` re-publishes the offer rules without touching the counter. MySQL
 * and Redis change together or not at all, as in sale creation.
 *
 * @example
 * await updateProduct(deps, id, { stock: 150 }) // MySQL 100 -> 150, live counter 70 -> 120
 */
export function updateProduct(
  deps: CatalogDeps,
  id: string,
  body: UpdateProductBody,
): ResultAsync<ProductView, CatalogError> {
  if (!isId(id)) return errAsync({ type: 'ProductNotFound' })
  const name = body.name?.trim()
  if (name === '')
    return errAsync({ type: 'InvalidField', field: 'name', reason: 'must not be blank' })
  const now = deps.now()
  return inTransaction(deps, (tx, compensations) =>
    safeTry(async function* () {
      // The row lock makes concurrent updates and sale creations of this product take
      // turns, so each computes its difference from the stock the previous one left.
      const [old] = yield* fromDb(
        tx.select().from(products).where(eq(products.id, id)).for('update'),
      )
      if (!old) return err<never, CatalogError>({ type: 'ProductNotFound' })
      const row: ProductRow = {
        ...old,
        name: name ?? old.name,
        description: body.description ?? old.description,
        price: body.price ?? old.price,
        stock: body.stock ?? old.stock,
        updatedAt: now,
      }
      const { createdAt: _, id: __, ...changes } = row
      yield* fromDb(tx.update(products).set(changes).where(eq(products.id, id)))
      if (row.price !== old.price) yield* republishPrice(deps, old, row, compensations)
      const live = yield* moveLiveStock(deps, old, row, compensations)
      return ok(toView(row, live))
    }),
  )
}

/**
 * Published with the old stock: when the product had no counter, the one
 * this creates holds what MySQL held before, and the stock step that follows
 * applies the difference to it like to any other counter.
 */
function republishPrice(
  deps: CatalogDeps,
  old: ProductRow,
  row: ProductRow,
  compensations: Compensations,
) {
  // Registered first: a publish that fails half-way is undone too, and restoring is idempotent.
  compensations.add(`restore the price of product ${old.id}`, () =>
    publishProduct(deps, old).match(
      () => undefined,
      (error) => {
        throw 'cause' in error ? error.cause : new Error(error.type)
      },
    ),
  )
  return publishProduct(deps, { ...row, stock: old.stock })
}

/** The live count after the change, or null when the product has no counter (MySQL's is shown). */
function moveLiveStock(
  deps: CatalogDeps,
  old: ProductRow,
  row: ProductRow,
  compensations: Compensations,
): ResultAsync<number | null, CatalogError> {
  const delta = row.stock - old.stock
  if (delta === 0) return liveCount(deps, productOffer(old.id))
  const { stock } = offerKeys(deps.space, productOffer(old.id))
  return ResultAsync.fromPromise(
    adjustLiveStock(deps.redis, stock, delta),
    (cause): CatalogError => ({ type: 'Unavailable', cause }),
  ).andThen((moved): ResultAsync<number | null, CatalogError> => {
    switch (moved.type) {
      case 'NoCounter':
        return okAsync(null)
      case 'WouldGoNegative':
        // Units checkout sold that MySQL does not count yet: the new stock must cover them.
        return errAsync({
          type: 'StockBelowSold',
          requested: row.stock,
          minimum: old.stock - moved.remaining,
        })
      case 'Adjusted':
        compensations.add(`undo the stock change of product ${old.id}`, () =>
          adjustLiveStock(deps.redis, stock, -delta).then((undone) => {
            if (undone.type !== 'Adjusted') throw new Error(`the counter is ${undone.type}`)
          }),
        )
        return okAsync(moved.remaining)
    }
  })
}
