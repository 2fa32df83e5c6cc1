import type { TestRedis } from '@flash/testing'
import { type Offer, partitionOf, publishOffer } from '../src/index.ts'

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
