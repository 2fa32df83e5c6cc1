import { flashSales } from '@flash/db'
import { bucketAllotments, type OfferMeta, publishOffer } from '@flash/redis'
import { err, ok, type Result, ResultAsync, safeTry } from 'neverthrow'
import type { CatalogDeps } from '../../deps.ts'
import type { CatalogError } from '../../errors.ts'
import { type Compensations, fromDb, inTransaction } from '../../shared/transaction.ts'
import { checkBuckets, insertAllotments, saleBucketKeys } from './buckets.ts'
import type { CreateSaleBody, SaleView } from './model.ts'
import { commitProductStock, takeLiveProductStock } from './product-stock.ts'
import { type SaleRow, toSaleView } from './read.ts'

/** MySQL datetime and publishOffer's "never ends" bound what a window may be. */
const EARLIEST_START = new Date('1970-01-01T00:00:00Z')
const LATEST_END = new Date('9999-12-31T00:00:00Z')

/**
 * Creates a flash sale: the row (with each bucket's allotment when its
 * stock is split), the units it takes from the product (in MySQL and in the
 * live Redis counter) and its own Redis offer, one per bucket, all or
 * nothing. Refusals name the body field at fault.
 *
 * @example
 * await createSale(deps, { productId, price: 49_000, quantity: 100, perUserLimit: 2,
 *   startsAt: '2030-01-01T09:00:00Z', endsAt: '2030-01-01T11:00:00Z' })
 * await createSale(deps, { ...body, buckets: 3 }) // three buckets of 34, 33 and 33 units
 */
export function createSale(
  deps: CatalogDeps,
  body: CreateSaleBody,
): ResultAsync<SaleView, CatalogError> {
  const now = deps.now()
  const rules = checkWindow(body, now).andThen((window) =>
    checkBuckets(body.buckets, body.quantity, deps.space.partitions).map((buckets) => ({
      ...window,
      buckets,
    })),
  )
  return rules.asyncAndThen((checked) =>
    inTransaction(deps, (tx, compensations) =>
      safeTry(async function* () {
        const { productId, price, quantity, perUserLimit } = body
        const product = yield* commitProductStock(tx, productId, quantity, now)
        const sale = {
          id: Bun.randomUUIDv7(),
          productId,
          price,
          quantity,
          perUserLimit,
          ...checked,
        }
        yield* fromDb(
          tx.insert(flashSales).values({ ...sale, remaining: quantity, createdAt: now }),
        )
        const allotments = bucketAllotments(quantity, sale.buckets)
        yield* insertAllotments(tx, sale.id, allotments)
        const row: SaleRow = { ...sale, name: product.name, remaining: quantity }
        yield* takeLiveProductStock(deps, productId, quantity, compensations)
        yield* publishNewSale(deps, row, allotments, compensations)
        return ok(toSaleView(row, row.remaining, now))
      }),
    ),
  )
}

/** Rules the schema cannot express: they relate two fields, or a field and the clock. */
function checkWindow(
  body: CreateSaleBody,
  now: Date,
): Result<{ startsAt: Date; endsAt: Date }, CatalogError> {
  const startsAt = instant(body.startsAt)
  const endsAt = instant(body.endsAt)
  const invalid = (field: string, reason: string) =>
    err<never, CatalogError>({ type: 'InvalidField', field, reason })
  if (!startsAt || startsAt < EARLIEST_START)
    return invalid('startsAt', 'must be a real date-time after 1970')
  if (!endsAt || endsAt >= LATEST_END)
    return invalid('endsAt', 'must be a real date-time before 9999-12-31')
  if (endsAt <= startsAt) return invalid('endsAt', 'must be after startsAt')
  if (endsAt <= now) return invalid('endsAt', 'must be in the future')
  return ok({ startsAt, endsAt })
}

/**
 * The schema checks the shape only, and `Date` rolls an impossible day over
 * (February 30th becomes March 2nd), so the calendar date is checked here.
 */
function instant(text: string): Date | null {
  const date = new Date(text)
  const [year, month, day] = text.slice(0, 10).split('-').map(Number)
  if (Number.isNaN(date.getTime()) || !year || !month || !day) return null
  const calendar = new Date(Date.UTC(year, month - 1, day))
  return calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day ? date : null
}

/**
 * Publishes every bucket of a new sale, each in its own partition with its
 * allotment as stock and the rest of the sale as `elsewhere` (what its
 * buyers are told to wait for rather than SoldOut); an unsplit sale is one
 * ordinary offer. The buckets are published side by side and all answer
 * before this does, so an undo never races a bucket still being written.
 * The undos are registered first, one per bucket (one slot each: a single
 * UNLINK across buckets is refused on a cluster), because a publish that
 * failed may still have written: the id is fresh and not yet committed, so
 * nobody can have bought from the offer being undone.
 */
function publishNewSale(
  deps: CatalogDeps,
  row: SaleRow,
  allotments: number[],
  compensations: Compensations,
): ResultAsync<void, CatalogError> {
  const offer = { kind: 'sale', id: row.id } as const
  const meta: OfferMeta = {
    productId: row.productId,
    saleId: row.id,
    price: row.price,
    perUserLimit: row.perUserLimit,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    buckets: row.buckets,
  }
  const buckets = saleBucketKeys(deps.space, row.id, row.buckets)
  for (const [bucket, keys] of buckets.entries())
    compensations.add(`unpublish bucket ${bucket} of sale ${row.id}`, () =>
      deps.redis.unlink(keys.stock, keys.meta, keys.buyers),
    )
  const published = buckets.map((keys, bucket) => {
    const allotment = allotments[bucket] ?? 0
    const split =
      row.buckets > 1
        ? { partition: keys.partition, elsewhere: row.quantity - allotment }
        : undefined
    return ResultAsync.fromPromise(
      publishOffer(deps.redis, deps.space, offer, meta, allotment, split),
      (cause): CatalogError => ({ type: 'Unavailable', cause }),
    )
  })
  return ResultAsync.combine(published).map(() => undefined)
}
