import type { TestRedis } from '@flash/testing'
import {
  bucketAllotments,
  bucketPartition,
  buyerBucket,
  type KeySpace,
  type Offer,
  partitionOf,
  publishOffer,
} from '../src/index.ts'

/**
 * Publishes a sale that is live now (opened a minute ago, closes in
 * `openForMs`, a minute by default) with `stock` units, as the catalog
 * would; with `partition`, one whose id falls in that partition of the space.
 *
 * @example
 * const offer = await liveSale(r, { stock: 10, perUserLimit: 2 })
 * const second = await liveSale(r, { stock: 5, partition: 1 })
 */
export async function liveSale(
  r: Pick<TestRedis, 'redis' | 'space'>,
  {
    stock,
    perUserLimit = 0,
    price = 700,
    partition,
    openForMs = 60_000,
  }: {
    stock: number
    perUserLimit?: number
    price?: number
    partition?: number
    openForMs?: number
  },
): Promise<Offer> {
  let offer: Offer = { kind: 'sale', id: Bun.randomUUIDv7() }
  while (partition !== undefined && partitionOf(r.space, offer.id) !== partition)
    offer = { kind: 'sale', id: Bun.randomUUIDv7() }
  await publishOffer(
    r.redis,
    r.space,
    offer,
    {
      productId: Bun.randomUUIDv7(),
      saleId: offer.id,
      price,
      perUserLimit,
      startsAt: new Date(Date.now() - 60_000),
      endsAt: new Date(Date.now() + openForMs),
    },
    stock,
  )
  return offer
}

/**
 * A live sale split into `buckets` buckets of `space` (as the catalog
 * publishes one: `bucketAllotments`), each bucket's `elsewhere` the rest
 * of the quantity.
 *
 * @example
 * const offer = await liveBucketedSale(r, space, { quantity: 9, buckets: 3 })
 */
export async function liveBucketedSale(
  r: Pick<TestRedis, 'redis'>,
  space: KeySpace,
  {
    quantity,
    buckets,
    perUserLimit = 0,
  }: { quantity: number; buckets: number; perUserLimit?: number },
): Promise<Offer> {
  const offer: Offer = { kind: 'sale', id: Bun.randomUUIDv7() }
  const meta = {
    productId: Bun.randomUUIDv7(),
    saleId: offer.id,
    price: 700,
    perUserLimit,
    startsAt: new Date(Date.now() - 60_000),
    endsAt: new Date(Date.now() + 60_000),
    buckets,
  }
  for (const [bucket, allotment] of bucketAllotments(quantity, buckets).entries()) {
    await publishOffer(r.redis, space, offer, meta, allotment, {
      partition: bucketPartition(space, offer.id, bucket),
      elsewhere: quantity - allotment,
    })
  }
  return offer
}

/**
 * A buyer id that `buyerBucket` puts in `bucket` of `buckets`.
 *
 * @example
 * buyerIn(1, 3) // 'buyer-…' with buyerBucket(id, 3) === 1
 */
export function buyerIn(bucket: number, buckets: number): string {
  for (;;) {
    const id = `buyer-${crypto.randomUUID()}`
    if (buyerBucket(id, buckets) === bucket) return id
  }
}
