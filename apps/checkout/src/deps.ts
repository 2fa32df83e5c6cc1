import type { Db } from '@flash/db/client'
import type { KeySpace, RedisClient } from '@flash/redis'
import type { LostOrders } from './modules/orders/lost-orders.ts'
import type { ReserveOutcomes } from './modules/orders/reserve-outcomes.ts'
import type { SoldOutFlags } from './modules/orders/sold-out-flags.ts'

/** What checkout's modules (orders, internal) need; built once in app.ts. */
export type CheckoutDeps = {
  redis: RedisClient
  db: Db
  space: KeySpace
  soldOut: SoldOutFlags
  /** The orders this process accepted, checked against MySQL after Redis lost data. */
  lostOrders: LostOrders
  /** What the reserve script answered this process's orders, for `/metrics`. */
  reserveOutcomes: ReserveOutcomes
  idempotencyTtlSeconds: number
  orderStateTtlSeconds: number
  finishedOrderTtlSeconds: number
  returnWindowSeconds: number
  /** null turns rate limiting off. */
  rateLimits: { perBuyer: number; perClient: number; windowSeconds: number } | null
}
