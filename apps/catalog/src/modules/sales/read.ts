import { flashSales, products } from '@flash/db'
import { and, desc, eq, lt } from 'drizzle-orm'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import type { CatalogDeps } from '../../deps.ts'
import type { CatalogError } from '../../errors.ts'
import { isId } from '../../shared/ids.ts'
import { liveCount } from '../../shared/live-count.ts'
import { type Page, pageOf } from '../../shared/page.ts'
import { fromDb } from '../../shared/transaction.ts'
import type { SaleView } from './model.ts'
import { saleStatus, type WindowFilter, windowCondition } from './status.ts'

/** A flash_sales row with its product's name, as every read needs it. */
export type SaleRow = {
  id: string
  productId: string
  name: string
  price: number
  quantity: number
  remaining: number
  perUserLimit: number
  startsAt: Date
  endsAt: Date
  /** How many buckets its stock is split into (1: not split); its live count sums them. */
  buckets: number
}

const columns = {
  id: flashSales.id,
  productId: flashSales.productId,
  name: products.name,
  price: flashSales.price,
  quantity: flashSales.quantity,
  remaining: flashSales.remaining,
  perUserLimit: flashSales.perUserLimit,
  startsAt: flashSales.startsAt,
  endsAt: flashSales.endsAt,
  buckets: flashSales.buckets,
}

/**
 * One sale, `remaining` as Redis counts it (MySQL's last synced value when
 * the sale is not in Redis).
 *
 * @example
 * await getSale(deps, id) // ok({ ..., remaining: 42, status: 'live' })
 */
export function getSale(deps: CatalogDeps, id: string): ResultAsync<SaleView, CatalogError> {
  if (!isId(id)) return errAsync({ type: 'SaleNotFound' })
  return fromDb(selectSales(deps).where(eq(flashSales.id, id))).andThen(([row]) =>
    row ? withLiveRemaining(deps, [row]).map(([view]) => view as SaleView) : saleNotFound(),
  )
}

/**
 * Sales newest first (ids are UUIDv7, so the id is the cursor), optionally
 * only those whose window is upcoming, open or over.
 *
 * @example
 * await listSales(deps, { status: 'live', limit: 20 }) // ok({ items, nextCursor })
 */
export function listSales(
  deps: CatalogDeps,
  query: { status?: WindowFilter; cursor?: string | null; limit: number },
): ResultAsync<Page<SaleView>, CatalogError> {
  const rows = selectSales(deps)
    .where(
      and(
        query.status ? windowCondition(query.status, deps.now()) : undefined,
        query.cursor ? lt(flashSales.id, query.cursor) : undefined,
      ),
    )
    .orderBy(desc(flashSales.id))
    .limit(query.limit + 1)
  return fromDb(rows).andThen((found) => {
    const page = pageOf(found, query.limit)
    return withLiveRemaining(deps, page.rows).map((items) => ({
      items,
      nextCursor: page.nextCursor,
    }))
  })
}

/**
 * The newest sale of a product whose window is open now, sold out or not.
 *
 * @example
 * await findLiveSale(deps, productId) // ok(sale) or ok(null)
 */
export function findLiveSale(
  deps: CatalogDeps,
  productId: string,
): ResultAsync<SaleView | null, CatalogError> {
  const rows = selectSales(deps)
    .where(and(eq(flashSales.productId, productId), windowCondition('live', deps.now())))
    .orderBy(desc(flashSales.id))
    .limit(1)
  return fromDb(rows).andThen((found) =>
    withLiveRemaining(deps, found).map(([view]) => view ?? null),
  )
}

/**
 * A sale row by id, straight from MySQL (no Redis), for re-publishing.
 *
 * @example
 * await loadSale(deps, id) // ok(row) or err({ type: 'SaleNotFound' })
 */
export function loadSale(deps: CatalogDeps, id: string): ResultAsync<SaleRow, CatalogError> {
  return fromDb(selectSales(deps).where(eq(flashSales.id, id))).andThen(([row]) =>
    row ? okAsync(row) : saleNotFound(),
  )
}

/**
 * @example
 * toSaleView(row, 42, new Date()) // { ..., remaining: 42, status: 'live' }
 */
export function toSaleView(row: SaleRow, remaining: number, now: Date): SaleView {
  return {
    id: row.id,
    productId: row.productId,
    name: row.name,
    price: row.price,
    quantity: row.quantity,
    remaining,
    perUserLimit: row.perUserLimit,
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
    status: saleStatus(row, remaining, now),
    buckets: row.buckets,
  }
}

function selectSales(deps: CatalogDeps) {
  return deps.db
    .select(columns)
    .from(flashSales)
    .innerJoin(products, eq(products.id, flashSales.productId))
    .$dynamic()
}

function withLiveRemaining(deps: CatalogDeps, rows: SaleRow[]) {
  const now = deps.now()
  return ResultAsync.combine(
    rows.map((row) => liveCount(deps, { kind: 'sale', id: row.id }, row.buckets)),
  ).map((counts) => rows.map((row, i) => toSaleView(row, counts[i] ?? row.remaining, now)))
}

function saleNotFound() {
  return errAsync({ type: 'SaleNotFound' } as const)
}
