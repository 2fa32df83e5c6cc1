import { publishOffer } from '@flash/redis'
import { createBuyers, createProduct, createSale, testTokens } from '@flash/testing'
import type { Stack } from './stack.ts'

/**
 * Something the load buys from, as the campaign created it: the invariants
 * compare what MySQL and Redis hold with these numbers.
 *
 * @example
 * const offer: Offer = { kind: 'sale', id, productId, quantity: 3, perUserLimit: 1, round: 2, size: 'small' }
 */
export type Offer = {
  kind: 'sale' | 'product'
  id: string
  productId: string
  quantity: number
  /** 0: no per-buyer limit (a product at its list price). */
  perUserLimit: number
  round: number
  size: 'small' | 'medium' | 'big' | 'split' | 'product'
  /** Buckets a split sale's stock is spread over, one per partition (absent: 1, unsplit). */
  buckets?: number
}

/** A buyer of the campaign's own database, with a token the stack's apps accept. */
export type Buyer = { id: string; token: string }

/**
 * The sales one round adds: one that sells out at once, one that sells out
 * within the round, one that never does (so an order can always succeed,
 * which is how recovery is timed).
 */
const roundSales = [
  { size: 'small', quantity: 3, perUserLimit: 1 },
  { size: 'medium', quantity: 20, perUserLimit: 2 },
  { size: 'big', quantity: 2_000, perUserLimit: 4 },
] as const

/**
 * With more than one partition, a sale split into one bucket per partition
 * (issue 18): small enough to sell out within a round, so buckets run dry
 * unevenly, buyers are told to come back (503) while the balancer moves
 * units, and a fault strikes a bucket's partition in the middle of it.
 */
const splitSale = { size: 'split', quantity: 30, perUserLimit: 2 } as const

/**
 * The round's sales: the three of `roundSales`, and a split sale when the
 * key space has more than one partition (two on one Redis, three on the
 * cluster: one bucket per partition).
 *
 * @example
 * const sales = await createRoundSales(stack, 3)
 */
export async function createRoundSales(stack: Stack, round: number): Promise<Offer[]> {
  const { partitions } = stack.space
  const sales = [
    ...roundSales.map((sale) => ({ ...sale, buckets: 1 })),
    ...(partitions > 1 ? [{ ...splitSale, buckets: partitions }] : []),
  ]
  const offers: Offer[] = []
  for (const sale of sales) {
    const { saleId, productId } = await createSale(stack.db.db, stack.client, stack.space, {
      quantity: sale.quantity,
      perUserLimit: sale.perUserLimit,
      buckets: sale.buckets,
      // Live for the whole of a long campaign: earlier rounds' orders are still cancelled and returned.
      endsAt: new Date(Date.now() + 12 * 3_600_000),
    })
    offers.push({ kind: 'sale', id: saleId, productId, round, ...sale })
  }
  return offers
}

/**
 * The buckets an offer's stock is spread over (1: unsplit, a product too).
 *
 * @example
 * bucketsOf({ ...sale, buckets: 3 }) // 3
 */
export function bucketsOf(offer: Offer): number {
  return offer.buckets ?? 1
}

/**
 * A product sold at its list price for the whole campaign, with no per-buyer limit.
 *
 * @example
 * const product = await createListProduct(stack)
 */
export async function createListProduct(stack: Stack): Promise<Offer> {
  const quantity = 100_000
  const price = 7_000
  const id = await createProduct(stack.db.db, { price, stock: quantity, name: 'Chaos product' })
  await publishOffer(
    stack.client,
    stack.space,
    { kind: 'product', id },
    { productId: id, saleId: '', price, perUserLimit: 0 },
    quantity,
  )
  return {
    kind: 'product',
    id,
    productId: id,
    quantity,
    perUserLimit: 0,
    round: 0,
    size: 'product',
  }
}

/**
 * Buyers in MySQL, each with an access token signed with the stack's JWT
 * secret (the development one the apps run with).
 *
 * @example
 * const buyers = await createBuyerPool(stack, 150)
 */
export async function createBuyerPool(stack: Stack, count: number): Promise<Buyer[]> {
  const ids = await createBuyers(stack.db.db, count)
  return Promise.all(ids.map(async (id) => ({ id, token: await signToken(id) })))
}

/**
 * A fresh token for each buyer: a long campaign outlives an hour-long token.
 *
 * @example
 * buyers = await refreshTokens(buyers)
 */
export function refreshTokens(buyers: readonly Buyer[]): Promise<Buyer[]> {
  return Promise.all(buyers.map(async ({ id }) => ({ id, token: await signToken(id) })))
}

async function signToken(id: string): Promise<string> {
  return (await testTokens.signAccess({ id, role: 'buyer' })).token
}
