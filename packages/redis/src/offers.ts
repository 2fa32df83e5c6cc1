import type { RedisClient } from './client.ts'
import { bucketPartition, type KeySpace, type Offer, offerKeys } from './keys.ts'

export type OfferMeta = {
  productId: string
  /** '' for a product sold at list price. */
  saleId: string
  price: number
  /** 0 for no per-buyer limit. */
  perUserLimit: number
  /** Unset for a product: always open. */
  startsAt?: Date
  endsAt?: Date
  /** How many buckets a sale's stock is split into (1 or unset: one). */
  buckets?: number
}

/** 9999-12-31, the end of an offer that never ends. */
const FOREVER_MS = 253_402_214_400_000

/**
 * Makes an offer buyable: writes its rules and, only if no counter exists
 * yet, its stock. A live counter is never overwritten, so re-publishing a
 * sale (a restart, a re-seed) cannot hand out units twice. One bucket of a
 * bucketed sale is published in its own partition, with its allotment as
 * its stock and the rest of the sale's units as `elsewhere`.
 *
 * @example
 * await publishOffer(redis, space, { kind: 'sale', id }, meta, 500)
 * await publishOffer(redis, space, { kind: 'sale', id }, { ...meta, buckets: 3 }, 167, { partition: 2, elsewhere: 333 })
 */
export async function publishOffer(
  redis: RedisClient,
  space: KeySpace,
  offer: Offer,
  meta: OfferMeta,
  stock: number,
  bucket?: { partition: number; elsewhere: number },
): Promise<{ created: boolean }> {
  const keys = offerKeys(space, offer, bucket?.partition)
  const fields = offerMetaFields(meta)
  const replies = await redis
    .multi()
    .hset(keys.meta, bucket ? { ...fields, elsewhere: bucket.elsewhere } : fields)
    .set(keys.stock, stock, 'NX')
    .exec()
  const setReply = replies?.[1]?.[1]
  return { created: setReply === 'OK' }
}

/**
 * An offer's rules as its meta hash holds them (what reserve-orders.lua reads).
 *
 * @example
 * redis.hset(offerKeys(space, offer).meta, offerMetaFields(meta))
 */
export function offerMetaFields(meta: OfferMeta): Record<string, string | number> {
  return {
    productId: meta.productId,
    saleId: meta.saleId,
    price: meta.price,
    limit: meta.perUserLimit,
    startsAt: meta.startsAt?.getTime() ?? 0,
    endsAt: meta.endsAt?.getTime() ?? FOREVER_MS,
    buckets: meta.buckets ?? 1,
  }
}

/**
 * Units left, as Redis counts them right now (null when the offer was never
 * published, or a bucket's counter is missing, as while its partition is
 * rebuilt: callers then keep MySQL's last synced count): for a bucketed
 * sale, the sum over its buckets (one GET each: they sit in different
 * slots), units in transit between two buckets not counted.
 *
 * @example
 * await readOfferState(redis, space, { kind: 'sale', id }) // { remaining: 42 }
 * await readOfferState(redis, space, { kind: 'sale', id }, 3) // { remaining: 42 }: three buckets summed
 */
export async function readOfferState(
  redis: RedisClient,
  space: KeySpace,
  offer: Offer,
  buckets = 1,
): Promise<{ remaining: number } | null> {
  const raws = await Promise.all(
    Array.from({ length: buckets }, (_, bucket) =>
      redis.get(offerKeys(space, offer, bucketPartition(space, offer.id, bucket)).stock),
    ),
  )
  // A bucket without its counter (being rebuilt) would make the sum short: unknown, not less.
  if (raws.some((raw) => raw === null || raw === undefined)) return null
  return { remaining: raws.reduce((sum, raw) => sum + Math.max(0, Number(raw ?? 0)), 0) }
}
