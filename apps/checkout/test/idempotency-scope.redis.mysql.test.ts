import { describe, expect, it } from 'bun:test'
import { offerKeys, partitionOf } from '@flash/redis'
import { createBuyers, createSale } from '@flash/testing'
import { placeOrder, startCheckout } from './helpers.ts'

type Checkout = Awaited<ReturnType<typeof startCheckout>>

/** A live sale of 10 whose keys land in `partition` (ids are random: a few tries). */
async function saleIn(checkout: Checkout, partition: number): Promise<string> {
  for (let attempt = 0; attempt < 64; attempt++) {
    const { saleId } = await createSale(
      checkout.database.db,
      checkout.redis.redis,
      checkout.space,
      { quantity: 10, perUserLimit: 5 },
    )
    if (partitionOf(checkout.space, saleId) === partition) return saleId
  }
  throw new Error(`no sale landed in partition ${partition}`)
}

/** One buyer's key used for two offers: two orders, each replayed by its own offer. */
async function sameKeyForTwoSales(checkout: Checkout, first: string, second: string) {
  const [buyer] = (await createBuyers(checkout.database.db, 1)) as [string]
  const a = await placeOrder(checkout.url, buyer, { saleId: first, quantity: 1 }, 'one-key')
  const b = await placeOrder(checkout.url, buyer, { saleId: second, quantity: 1 }, 'one-key')
  const againA = await placeOrder(checkout.url, buyer, { saleId: first, quantity: 1 }, 'one-key')
  const againB = await placeOrder(checkout.url, buyer, { saleId: second, quantity: 1 }, 'one-key')
  const stockOf = (saleId: string) =>
    checkout.redis.redis.get(offerKeys(checkout.space, { kind: 'sale', id: saleId }).stock)
  return {
    statuses: [a.status, b.status, againA.status, againB.status],
    twoOrders: a.body.orderId !== b.body.orderId,
    replays: [againA.body.orderId === a.body.orderId, againB.body.orderId === b.body.orderId],
    stock: [await stockOf(first), await stockOf(second)],
  }
}

const twoOrders = {
  statuses: [202, 202, 202, 202],
  twoOrders: true,
  replays: [true, true],
  stock: ['9', '9'],
}

describe('an Idempotency-Key belongs to one buyer and one offer (2 partitions)', () => {
  it('is another order for another offer in the same partition', async () => {
    await using checkout = await startCheckout({ partitions: 2 })
    const first = await saleIn(checkout, 0)
    const second = await saleIn(checkout, 0)
    expect(await sameKeyForTwoSales(checkout, first, second)).toEqual(twoOrders)
  })

  it('is another order for another offer in another partition', async () => {
    await using checkout = await startCheckout({ partitions: 2 })
    const first = await saleIn(checkout, 0)
    const second = await saleIn(checkout, 1)
    expect(await sameKeyForTwoSales(checkout, first, second)).toEqual(twoOrders)
  })

  it('refuses the key for the same offer with another quantity, and replays the same body', async () => {
    await using checkout = await startCheckout({ partitions: 2 })
    const [buyer] = (await createBuyers(checkout.database.db, 1)) as [string]
    const answers = []
    for (const partition of [0, 1]) {
      const saleId = await saleIn(checkout, partition)
      const placed = await placeOrder(checkout.url, buyer, { saleId, quantity: 1 }, 'one-key')
      const other = await placeOrder(checkout.url, buyer, { saleId, quantity: 2 }, 'one-key')
      const again = await placeOrder(checkout.url, buyer, { saleId, quantity: 1 }, 'one-key')
      answers.push([
        placed.status,
        other.status,
        other.body.error?.code,
        again.status,
        again.body.orderId === placed.body.orderId,
      ])
    }
    const perSale = [202, 422, 'idempotency_key_reused', 202, true]
    expect(answers).toEqual([perSale, perSale])
  })
})
