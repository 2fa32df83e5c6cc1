import type { TestRedis } from '@flash/testing'
import { type Offer, publishOffer } from '../src/index.ts'

/**
 * Publishes a sale that is live now (opened a minute ago, closes in a
 * minute) with `stock` units, as the catalog would.
 *
 * @example
 * const offer = await liveSale(r, { stock: 10, perUserLimit: 2 })
 */
export async function liveSale(
  r: Pick<TestRedis, 'redis' | 'space'>,
  {
    stock,
    perUserLimit = 0,
    price = 700,
  }: { stock: number; perUserLimit?: number; price?: number },
): Promise<Offer> {
  const offer: Offer = { kind: 'sale', id: Bun.randomUUIDv7() }
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
      endsAt: new Date(Date.now() + 60_000),
    },
    stock,
  )
  return offer
}
