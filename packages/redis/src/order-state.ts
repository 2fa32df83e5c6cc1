import type { OrderStatus } from '@flash/contracts'
import type { RedisClient } from './client.ts'
import { RecoveringError, recoveringPartitions } from './generation.ts'
import { type KeySpace, orderKey } from './keys.ts'

/** An order's live state, as reserve-orders.lua writes it and move-orders.lua keeps it. */
export type OrderState = {
  id: string
  userId: string
  saleId: string | null
  productId: string
  quantity: number
  unitPrice: number
  total: number
  status: OrderStatus
  /** How many times the state has changed: 1 when placed, +1 on every move (see `orders.seq`). */
  seq: number
  /** The key the buyer placed it with; it may hold spaces. */
  idempotencyKey: string
  createdAt: Date
  updatedAt: Date
  partition: number
}

/**
 * An order's live state as Redis keeps it: the order-state string of
 * `lua/order-state.lua` (where its layout is described), which the scripts
 * include. This is its TypeScript side; a test round-trips a state through both.
 *
 * @example
 * orderStateText(state) // 'pending 1764556800000 1 <userId> 1 49000 49000 1764556800000 <productId> <saleId> <orderId> <key>'
 */
export function orderStateText(state: Omit<OrderState, 'partition'>): string {
  return [
    state.status,
    state.updatedAt.getTime(),
    state.seq,
    state.userId,
    state.quantity,
    state.unitPrice,
    state.total,
    state.createdAt.getTime(),
    state.productId,
    state.saleId ?? '-',
    state.id,
    state.idempotencyKey,
  ].join(' ')
}

/** The words before the idempotency key, which is the rest of the string. */
const WORDS = 11
/** What the scripts' integerOf reads: digits, and a safe integer. */
const INTEGER = /^-?\d{1,16}$/

/**
 * Reads an order-state string back; null when the text is not one.
 *
 * @example
 * parseOrderState(orderStateText(state), 0) // state
 */
export function parseOrderState(text: string, partition: number): OrderState | null {
  const words: string[] = []
  let at = 0
  while (words.length < WORDS) {
    const space = text.indexOf(' ', at)
    if (space <= at) return null
    words.push(text.slice(at, space))
    at = space + 1
  }
  const [
    status,
    updatedAt,
    seq,
    userId,
    quantity,
    unitPrice,
    total,
    createdAt,
    productId,
    saleId,
    id,
  ] = words as [OrderStatus, ...string[]]
  if (
    ![updatedAt, seq, quantity, unitPrice, total, createdAt].every(
      (n) => INTEGER.test(n as string) && Number.isSafeInteger(Number(n)),
    )
  )
    return null
  return {
    id: id as string,
    userId: userId as string,
    saleId: saleId === '-' ? null : (saleId as string),
    productId: productId as string,
    quantity: Number(quantity),
    unitPrice: Number(unitPrice),
    total: Number(total),
    status,
    seq: Number(seq),
    idempotencyKey: text.slice(at),
    createdAt: new Date(Number(createdAt)),
    updatedAt: new Date(Number(updatedAt)),
    partition,
  }
}

/**
 * Finds an order's live state. The id alone does not name its partition, so
 * every partition is asked (one small read each; partitions are few). Null
 * means the state has expired (the order is finished: MySQL has it); while
 * a partition is being recovered a missing state means nothing yet, and
 * this throws a `RecoveringError` instead (see `findOrderStates`).
 *
 * @example
 * const state = await findOrderState(redis, space, orderId) // null once expired
 */
export async function findOrderState(
  redis: RedisClient,
  space: KeySpace,
  orderId: string,
): Promise<OrderState | null> {
  return (await findOrderStates(redis, space, [orderId])).get(orderId) ?? null
}

/**
 * `findOrderState` for a batch: one pipeline of GETs per partition (one
 * round trip, the pipelines side by side), one GET per order and partition,
 * instead of a read per order. When a state is
 * missing, the partitions' generations are read (a second round trip, only
 * then): while any partition is not current (generation.ts) the missing
 * state may be one recovery has not written back yet, so this throws a
 * `RecoveringError` rather than let the caller take "expired" for an answer
 * (and, say, move the order in MySQL alone, or skip its payment).
 *
 * @example
 * const states = await findOrderStates(redis, space, orderIds) // orderId -> state; expired ones missing
 */
export async function findOrderStates(
  redis: RedisClient,
  space: KeySpace,
  orderIds: readonly string[],
): Promise<Map<string, OrderState>> {
  const states = new Map<string, OrderState>()
  const ids = [...new Set(orderIds)]
  if (ids.length === 0) return states
  // One pipeline per partition, side by side: on a cluster a pipeline must stay in one slot.
  const partitions = Array.from({ length: space.partitions }, (_, p) => p)
  const replies = await Promise.all(
    partitions.map((p) => redis.pipeline(ids.map((id) => ['get', orderKey(space, p, id)])).exec()),
  )
  for (const [p, partitionReplies] of replies.entries())
    for (const [i, [error, text]] of (partitionReplies ?? []).entries()) {
      if (error) throw error
      const id = ids[i] as string
      if (typeof text !== 'string' || states.has(id)) continue
      const state = parseOrderState(text, p)
      if (state?.id === id) states.set(id, state)
    }
  if (states.size < ids.length) {
    const recovering = await recoveringPartitions(redis, space)
    if (recovering.length > 0)
      throw new RecoveringError(recovering.length === 1 ? (recovering[0] as number) : null)
  }
  return states
}
