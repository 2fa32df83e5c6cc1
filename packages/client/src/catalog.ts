import type { Result } from 'neverthrow'
import { settle } from './answers.ts'
import type { Api } from './api.ts'
import type { ApiError } from './errors.ts'
import type { Page, Product, Sale } from './types.ts'

type PageQuery = { cursor?: string; limit?: number }

export type NewProduct = { name: string; description?: string; price: number; stock: number }

export type NewSale = {
  productId: string
  /** Minor units (won, cents). */
  price: number
  quantity: number
  perUserLimit: number
  startsAt: Date | string
  endsAt: Date | string
  /** Split the stock over this many Redis partitions (README, "A hot sale in buckets"); default 1. */
  buckets?: number
}

export type Catalog = {
  /** Sales, newest first; `status` filters on the window (a sold-out live sale is `live`). */
  sales(
    query?: { status?: 'upcoming' | 'live' | 'ended' } & PageQuery,
  ): Promise<Result<Page<Sale>, ApiError>>
  sale(id: string): Promise<Result<Sale, ApiError>>
  products(query?: PageQuery): Promise<Result<Page<Product>, ApiError>>
  product(id: string): Promise<Result<Product, ApiError>>
  /** Admin only (403 `forbidden` otherwise). */
  createProduct(product: NewProduct): Promise<Result<Product, ApiError>>
  /** Admin only; the units come out of the product's stock. */
  createSale(sale: NewSale): Promise<Result<Sale, ApiError>>
}

/**
 * Products and sales through the gateway: browsing is public, creating is for admins.
 *
 * @example
 * const live = await catalogOf(api, 15_000).sales({ status: 'live' })
 */
export function catalogOf(api: Pick<Api, 'catalog'>, timeoutMs: number): Catalog {
  const { sales, products } = api.catalog
  const iso = (at: Date | string) => (at instanceof Date ? at.toISOString() : at)
  return {
    sales: async (query = {}) => settle(sales.get({ query }), 'json', timeoutMs),
    sale: async (id) => settle(sales({ id }).get(), 'json', timeoutMs),
    products: async (query = {}) => settle(products.get({ query }), 'json', timeoutMs),
    product: async (id) => settle(products({ id }).get(), 'json', timeoutMs),
    createProduct: async (product) => settle(products.post(product), 'json', timeoutMs),
    createSale: async (sale) =>
      settle(
        sales.post({ ...sale, startsAt: iso(sale.startsAt), endsAt: iso(sale.endsAt) }),
        'json',
        timeoutMs,
      ),
  }
}
