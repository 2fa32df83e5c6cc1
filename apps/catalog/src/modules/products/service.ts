import { products } from '@flash/db'
import { offerKeys } from '@flash/redis'
import { asc, desc, eq, lt } from 'drizzle-orm'
import { errAsync, ResultAsync } from 'neverthrow'
import type { CatalogDeps } from '../../deps.ts'
import type { CatalogError } from '../../errors.ts'
import { isId } from '../../shared/ids.ts'
import { liveCount } from '../../shared/live-count.ts'
import { type Page, pageOf } from '../../shared/page.ts'
import { type Compensations, fromDb, inTransaction } from '../../shared/transaction.ts'
import type { CreateProductBody, ProductView } from './model.ts'
import { type ProductRow, productOffer, publishProduct } from './offer.ts'

/**
 * Lists a product and puts it on sale at its list price: the MySQL row and
 * the Redis offer checkout sells from are written together or not at all.
 *
 * @example
 * const product = await createProduct(deps, { name: 'Sneakers', price: 89_000, stock: 500 })
 * product.map((p) => p.id)
 */
export function createProduct(
  deps: CatalogDeps,
  body: CreateProductBody,
): ResultAsync<ProductView, CatalogError> {
  const name = body.name.trim()
  if (!name) return errAsync({ type: 'InvalidField', field: 'name', reason: 'must not be blank' })
  const now = deps.now()
  const row: ProductRow = {
    id: Bun.randomUUIDv7(),
    name,
    description: body.description ?? '',
    price: body.price,
    stock: body.stock,
    createdAt: now,
    updatedAt: now,
  }
  return inTransaction(deps, (tx, compensations) =>
    fromDb(tx.insert(products).values(row)).andThen(() =>
      publishProductOffer(deps, row, compensations),
    ),
  ).map(() => toView(row, null))
}

/**
 * One product, with the live stock when it is on sale in Redis.
 *
 * @example
 * await getProduct(deps, id) // ok(product) or err({ type: 'ProductNotFound' })
 */
export function getProduct(deps: CatalogDeps, id: string): ResultAsync<ProductView, CatalogError> {
  if (!isId(id)) return errAsync({ type: 'ProductNotFound' })
  return fromDb(deps.db.select().from(products).where(eq(products.id, id))).andThen(([row]) =>
    row ? withLiveStock(deps, [row]).map(([view]) => view as ProductView) : notFound(),
  )
}

/**
 * Products newest first (ids are UUIDv7, so the id is the cursor).
 *
 * @example
 * const first = await listProducts(deps, { limit: 20 })
 * const next = await listProducts(deps, { cursor: first._unsafeUnwrap().nextCursor, limit: 20 })
 */
export function listProducts(
  deps: CatalogDeps,
  query: { cursor?: string | null; limit: number },
): ResultAsync<Page<ProductView>, CatalogError> {
  const rows = deps.db
    .select()
    .from(products)
    .where(query.cursor ? lt(products.id, query.cursor) : undefined)
    .orderBy(desc(products.id))
    .limit(query.limit + 1)
  return fromDb(rows).andThen((found) => {
    const page = pageOf(found, query.limit)
    return withLiveStock(deps, page.rows).map((items) => ({ items, nextCursor: page.nextCursor }))
  })
}

/**
 * The oldest product with exactly this name, or null; the demo seed reuses it.
 *
 * @example
 * await findProductByName(deps, 'Demo sneakers') // ok(product) or ok(null)
 */
export function findProductByName(
  deps: CatalogDeps,
  name: string,
): ResultAsync<ProductView | null, CatalogError> {
  const rows = deps.db
    .select()
    .from(products)
    .where(eq(products.name, name))
    .orderBy(asc(products.id))
    .limit(1)
  return fromDb(rows).andThen((found) => withLiveStock(deps, found).map(([view]) => view ?? null))
}

/** The id is fresh and not yet committed, so nobody can have bought from the offer being undone. */
function publishProductOffer(deps: CatalogDeps, row: ProductRow, compensations: Compensations) {
  const keys = offerKeys(deps.space, productOffer(row.id))
  compensations.add(`unpublish product ${row.id}`, () => deps.redis.unlink(keys.stock, keys.meta))
  return publishProduct(deps, row)
}

function withLiveStock(deps: CatalogDeps, rows: ProductRow[]) {
  return ResultAsync.combine(rows.map((row) => liveCount(deps, productOffer(row.id)))).map(
    (counts) => rows.map((row, i) => toView(row, counts[i] ?? null)),
  )
}

/**
 * A product as clients see it: the live count when Redis has one, else MySQL's.
 *
 * @example
 * toView(row, 42) // { id, name, description, price, stock: 42 }
 */
export function toView(row: ProductRow, live: number | null): ProductView {
  const { id, name, description, price } = row
  return { id, name, description, price, stock: live ?? row.stock }
}

function notFound() {
  return errAsync({ type: 'ProductNotFound' } as const)
}
