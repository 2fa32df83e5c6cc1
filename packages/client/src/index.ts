export type { Api } from './api.ts'
export type { Catalog, NewProduct, NewSale } from './catalog.ts'
export { type ClientOptions, createClient, type FlashClient } from './client.ts'
export type { ServerClock } from './clock.ts'
export { type ApiError, type ApiErrorCode, isRetryable } from './errors.ts'
export type { Orders, Purchase, PurchaseIntent } from './orders.ts'
export type { ConnectionState, SaleWatcher, WatchOptions } from './sale-events.ts'
export type { Session, SignupForm } from './session.ts'
export type { FetchLike } from './session-fetch.ts'
export {
  memorySessionStore,
  type SessionStore,
  type StoredSession,
  type WebStorage,
  webStorageSessionStore,
} from './session-store.ts'
export { type ServerSentEvent, SseParser } from './sse-parser.ts'
export type { SessionListener } from './tokens.ts'
export type {
  Order,
  OrderStatus,
  Page,
  PaymentStatus,
  PlacedOrder,
  Product,
  Profile,
  Sale,
  SaleStatus,
  SaleUpdate,
} from './types.ts'
