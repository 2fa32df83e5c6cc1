import type { RedisClient } from './client.ts'
import { type KeySpace, type Offer, offerKeys } from './keys.ts'

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
}

/** 9999-12-31, the end of an offer that never ends. */
const FOREVER_MS = 253_402_214_400_000

/**
 * Makes an offer buyable: writes its rules and, only if no counter exists
 * yet, its stock. A live counter is never overwritten, so re-publishing a
 * sale (a restart, a re-seed) cannot hand out units twice.
 *
 * @example
 * await publishOffer(redis, space, { kind: 'sale', id }, meta, 500)
 */
export async function publishOffer(
  redis: RedisClient,
  space: KeySpace,
  offer: Offer,
  meta: OfferMeta,
  stock: number,
): Promise<{ created: boolean }> {
  const keys = offerKeys(space, offer)
  const replies = await redis
    .multi()
    .hset(keys.meta, offerMetaFields(meta))
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
  }
}

/**
 * Units left, as Redis counts them right now (null when the offer was never published).
 *
 * @example
 * await readOfferState(redis, space, { kind: 'sale', id }) // { remaining: 42 }
 */
export async function readOfferState(
  redis: RedisClient,
  space: KeySpace,
  offer: Offer,
): Promise<{ remaining: number } | null> {
  const raw = await redis.get(offerKeys(space, offer).stock)
  return raw === null ? null : { remaining: Number(raw) }
}
