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
  size: 'small' | 'medium' | 'big' | 'product'
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
 * @example
 * const sales = await createRoundSales(stack, 3)
 */
export async function createRoundSales(stack: Stack, round: number): Promise<Offer[]> {
  const offers: Offer[] = []
  for (const sale of roundSales) {
    const { saleId, productId } = await createSale(stack.db.db, stack.client, stack.space, {
      quantity: sale.quantity,
      perUserLimit: sale.perUserLimit,
      // Live for the whole of a long campaign: earlier rounds' orders are still cancelled and returned.
      endsAt: new Date(Date.now() + 12 * 3_600_000),
    })
    offers.push({ kind: 'sale', id: saleId, productId, round, ...sale })
  }
  return offers
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
