import { type Offer, readOfferState } from '@flash/redis'
import { okAsync, ResultAsync } from 'neverthrow'
import type { CatalogDeps } from '../deps.ts'

/**
 * Units left of an offer as Redis counts them right now, or null when the
 * offer was never published. Reads are the browse path of a flash sale, so
 * a Redis failure degrades to null (callers show MySQL's last synced value)
 * and is logged, rather than failing the page. A sale split into buckets
 * counts all of them (`buckets` is the sale's: a sale's count read with
 * 1 would be its bucket 0 alone).
 *
 * @example
 * const live = await liveCount(deps, { kind: 'sale', id }, row.buckets)
 * live.unwrapOr(null) ?? row.remaining
 */
export function liveCount(
  deps: CatalogDeps,
  offer: Offer,
  buckets = 1,
): ResultAsync<number | null, never> {
  return ResultAsync.fromPromise(
    readOfferState(deps.redis, deps.space, offer, buckets),
    (cause) => cause,
  )
    .map((state) => state?.remaining ?? null)
    .orElse((cause) => {
      deps.log(`[catalog] redis read failed for ${offer.kind} ${offer.id}: ${String(cause)}`)
      return okAsync(null)
    })
}
