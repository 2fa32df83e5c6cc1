import { orderStatuses } from '@flash/contracts'
import {
  bigint,
  datetime,
  index,
  int,
  mysqlEnum,
  mysqlTable,
  primaryKey,
  text,
  varchar,
} from 'drizzle-orm/mysql-core'

/**
 * The system of record. Ids are UUIDv7 strings minted by the app (opaque to
 * clients, time-ordered so they double as pagination cursors). Money is an
 * integer number of minor units. Times are UTC with millisecond precision.
 */

const id = (name = 'id') => varchar(name, { length: 36 })
const createdAt = () => datetime('created_at', { mode: 'date', fsp: 3 }).notNull()
const updatedAt = () => datetime('updated_at', { mode: 'date', fsp: 3 }).notNull()
const money = (name: string) => bigint(name, { mode: 'number', unsigned: true })

export const roles = ['admin', 'buyer'] as const
export type Role = (typeof roles)[number]

export const users = mysqlTable('users', {
  id: id().primaryKey(),
  /** Stored lower-cased so comparisons are case-insensitive by construction. */
  email: varchar('email', { length: 254 }).notNull().unique(),
  passwordHash: varchar('password_hash', { length: 255 }).notNull(),
  role: mysqlEnum('role', roles).notNull().default('buyer'),
  /**
   * Personal data, each AES-256-GCM encrypted by apps/auth under a key that
   * never reaches the database: `v1.<keyId>.<iv>.<ciphertext+tag>`, bound to
   * the row and column. Nullable because only apps/auth's account creation
   * writes them: a row made any other way (test fixtures) has no name.
   */
  nameEnc: text('name_enc'),
  phoneEnc: text('phone_enc'),
  addressEnc: text('address_enc'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
})

/** One row per login session; refresh tokens rotate within a family. */
export const refreshTokenFamilies = mysqlTable(
  'refresh_token_families',
  {
    id: id().primaryKey(),
    userId: id('user_id')
      .notNull()
      .references(() => users.id),
    /** The only refresh token id of this family that may still be used. */
    currentTokenId: varchar('current_token_id', { length: 36 }).notNull(),
    expiresAt: datetime('expires_at', { mode: 'date', fsp: 3 }).notNull(),
    revokedAt: datetime('revoked_at', { mode: 'date', fsp: 3 }),
    createdAt: createdAt(),
  },
  (t) => [index('refresh_families_user_idx').on(t.userId)],
)

export const products = mysqlTable('products', {
  id: id().primaryKey(),
  name: varchar('name', { length: 200 }).notNull(),
  description: text('description').notNull(),
  price: money('price').notNull(),
  /** Units on hand; for products on sale the live counter is in Redis. */
  stock: int('stock', { unsigned: true }).notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
})

export const flashSales = mysqlTable(
  'flash_sales',
  {
    id: id().primaryKey(),
    productId: id('product_id')
      .notNull()
      .references(() => products.id),
    price: money('price').notNull(),
    quantity: int('quantity', { unsigned: true }).notNull(),
    perUserLimit: int('per_user_limit', { unsigned: true }).notNull(),
    startsAt: datetime('starts_at', { mode: 'date', fsp: 3 }).notNull(),
    endsAt: datetime('ends_at', { mode: 'date', fsp: 3 }).notNull(),
    /** Last value written back from the Redis counter by the stock sync. */
    remaining: int('remaining', { unsigned: true }).notNull(),
    /**
     * How many buckets its stock is split into, each on its own Redis
     * partition (see `bucketPartition`); 1 = the whole sale in one. Fixed
     * at creation: a buyer's bucket follows from it.
     */
    buckets: int('buckets', { unsigned: true }).notNull().default(1),
    createdAt: createdAt(),
  },
  (t) => [index('flash_sales_window_idx').on(t.startsAt, t.endsAt)],
)

/**
 * A bucketed sale's units per bucket (one row per bucket, buckets > 1 only).
 * The record a lost partition's stock is rebuilt from: a bucket's stock is
 * its allotment minus the units its buyers' orders hold. The allotments of
 * a sale always add up to its quantity; a transfer moves units between two
 * of them in one transaction.
 */
export const saleBuckets = mysqlTable(
  'sale_buckets',
  {
    saleId: id('sale_id')
      .notNull()
      .references(() => flashSales.id),
    bucket: int('bucket', { unsigned: true }).notNull(),
    allotment: int('allotment', { unsigned: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.saleId, t.bucket] })],
)

export const transferStates = ['taking', 'moved', 'void', 'done'] as const
export type TransferState = (typeof transferStates)[number]

/**
 * Units on their way from one bucket of a sale to another (see
 * `apps/worker/src/buckets/transfer.ts`): `taking` once planned, `moved`
 * once the giving bucket's units left it in Redis and both allotments
 * moved here, `done` once the receiving bucket holds them in Redis; `void`
 * when the giving bucket had too few units, or a recovery of its partition
 * rebuilt it before the move was recorded here.
 */
export const stockTransfers = mysqlTable(
  'stock_transfers',
  {
    id: id().primaryKey(),
    saleId: id('sale_id')
      .notNull()
      .references(() => flashSales.id),
    fromBucket: int('from_bucket', { unsigned: true }).notNull(),
    toBucket: int('to_bucket', { unsigned: true }).notNull(),
    units: int('units', { unsigned: true }).notNull(),
    state: mysqlEnum('state', transferStates).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('stock_transfers_state_idx').on(t.state, t.saleId)],
)

export { orderStatuses }

export const orders = mysqlTable(
  'orders',
  {
    id: id().primaryKey(),
    userId: id('user_id')
      .notNull()
      .references(() => users.id),
    saleId: id('sale_id').references(() => flashSales.id),
    status: mysqlEnum('status', orderStatuses).notNull(),
    /**
     * How many times the order's live state has changed in Redis (1 when
     * placed): every order event carries the number it produced, and the
     * order-writer keeps the row of the highest, so events applied out of
     * order (two workers, a retried batch) still leave Redis's last word.
     */
    seq: int('seq', { unsigned: true }).notNull().default(1),
    total: money('total').notNull(),
    idempotencyKey: varchar('idempotency_key', { length: 64 }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('orders_user_idx').on(t.userId, t.id),
    index('orders_status_idx').on(t.status, t.updatedAt),
    index('orders_sale_idx').on(t.saleId, t.status),
    // Not unique: a key may be reused once its 24 h idempotency window has passed.
    index('orders_user_idempotency_idx').on(t.userId, t.idempotencyKey),
  ],
)

export const orderItems = mysqlTable(
  'order_items',
  {
    orderId: id('order_id')
      .notNull()
      .references(() => orders.id),
    productId: id('product_id')
      .notNull()
      .references(() => products.id),
    quantity: int('quantity', { unsigned: true }).notNull(),
    unitPrice: money('unit_price').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.productId] })],
)

/**
 * Where an order's money is, as the payment provider last told us:
 * - `unknown`: a charge was asked for and its outcome is not known yet (the
 *   call timed out or the connection dropped); the worker asks again;
 * - `succeeded`: charged (kept while the order keeps its units);
 * - `declined`: refused, by the card or as an invalid request: nothing taken;
 * - `refunded`: charged and given back, at `refundedAt`;
 * - `none`: the order ended before it was charged, and the provider holds no charge for it.
 */
export const paymentStatuses = ['unknown', 'succeeded', 'declined', 'refunded', 'none'] as const
export type PaymentStatus = (typeof paymentStatuses)[number]

export const payments = mysqlTable('payments', {
  id: id().primaryKey(),
  orderId: id('order_id')
    .notNull()
    .unique()
    .references(() => orders.id),
  amount: money('amount').notNull(),
  status: mysqlEnum('status', paymentStatuses).notNull(),
  providerRef: varchar('provider_ref', { length: 128 }),
  refundedAt: datetime('refunded_at', { mode: 'date', fsp: 3 }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
})

export const shipments = mysqlTable('shipments', {
  id: id().primaryKey(),
  orderId: id('order_id')
    .notNull()
    .unique()
    .references(() => orders.id),
  status: mysqlEnum('status', ['preparing', 'in_transit', 'delivered', 'returned']).notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
})

/**
 * The highest entry id of each orders stream (one per partition) whose
 * events the order-writer has committed, written in the same transaction as
 * the rows. A Redis whose stream ends below it went back in time (a restore,
 * a failover to a lagging replica). `last_id` is a stream id (`ms-seq`),
 * only ever raised, compared as two numbers.
 */
export const streamMarks = mysqlTable('stream_marks', {
  stream: varchar('stream', { length: 191 }).primaryKey(),
  lastId: varchar('last_id', { length: 41 }).notNull(),
  updatedAt: updatedAt(),
})

/**
 * One row per orders stream: the lock that keeps a Redis recovery and the
 * order-writer's transactions apart. Each order-writer transaction holds it
 * shared from its start, after checking that the batch it applies comes from
 * the partition's current Redis generation; a recovery holds it exclusively
 * while it reads MySQL, rewrites Redis and stamps a new generation. So a batch
 * read from a Redis that was then lost is either in MySQL before the recovery
 * reads it, or not applied at all (its orders were lost with Redis's data),
 * never stored behind the recovery's back. `generation` is the marker the
 * last recovery stamped, for people reading the table.
 */
export const redisFences = mysqlTable('redis_fences', {
  stream: varchar('stream', { length: 191 }).primaryKey(),
  generation: varchar('generation', { length: 128 }).notNull(),
  updatedAt: updatedAt(),
})

/** Idempotent consumers: one row per (event, consumer) that has taken effect. */
export const processedEvents = mysqlTable(
  'processed_events',
  {
    eventId: varchar('event_id', { length: 64 }).notNull(),
    consumer: varchar('consumer', { length: 64 }).notNull(),
    processedAt: datetime('processed_at', { mode: 'date', fsp: 3 }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.consumer] })],
)
