import type Redis from 'ioredis'
import { err, ok, type Result, ResultAsync } from 'neverthrow'
import type { TransitionReply } from './commands.ts'
import { type KeySpace, type Offer, offerKeys, orderKey, streamKey } from './keys.ts'

/** An order's live state as the reserve script wrote it and transition-many-4n.lua keeps it. */
export type OrderState = {
  id: string
  userId: string
  saleId: string | null
  productId: string
  quantity: number
  unitPrice: number
  total: number
  status: string
  createdAt: Date
  updatedAt: Date
  partition: number
}

/**
 * An order's live state as Redis keeps it: one string of space-separated
 * fields, written with its TTL in one SET (a hash took an HSET of ten fields
 * and an EXPIRE, a fifth of the reserve script's time per order):
 *
 *   <status> <updatedAt ms> <userId> <quantity> <unitPrice> <total> <createdAt ms> <productId> <saleId, '-' for none> <orderId>
 *
 * Status and time come first so a transition rewrites the front and keeps
 * the rest as it is (transition-many-4n.lua). Every field is one word: ids
 * are checked for that before they are reserved.
 *
 * @example
 * orderStateText(state) // 'pending 1764556800000 <userId> 1 49000 49000 1764556800000 <productId> <saleId> <orderId>'
 */
export function orderStateText(state: Omit<OrderState, 'partition'>): string {
  return [
    state.status,
    state.updatedAt.getTime(),
    state.userId,
    state.quantity,
    state.unitPrice,
    state.total,
    state.createdAt.getTime(),
    state.productId,
    state.saleId ?? '-',
    state.id,
  ].join(' ')
}

function fromText(text: string, partition: number): OrderState {
  const [status, updatedAt, userId, quantity, unitPrice, total, createdAt, productId, saleId, id] =
    text.split(' ')
  return {
    id: id ?? '',
    userId: userId ?? '',
    saleId: saleId === '-' || !saleId ? null : saleId,
    productId: productId ?? '',
    quantity: Number(quantity),
    unitPrice: Number(unitPrice),
    total: Number(total),
    status: status || 'pending',
    createdAt: new Date(Number(createdAt)),
    updatedAt: new Date(Number(updatedAt)),
    partition,
  }
}

/**
 * Finds an order's live state. The id alone does not name its partition, so
 * every partition is asked (one small read each; partitions are few).
 *
 * @example
 * const state = await findOrderState(redis, space, orderId) // null once expired
 */
export async function findOrderState(
  redis: Redis,
  space: KeySpace,
  orderId: string,
): Promise<OrderState | null> {
  return (await findOrderStates(redis, space, [orderId])).get(orderId) ?? null
}

/**
 * `findOrderState` for a batch: one pipeline (one round trip) of GETs, one
 * per order and partition, instead of a read per order. An order written as
 * a hash by an older version (before states were strings) answers GET with
 * WRONGTYPE and is read as a hash in a second round trip; the next
 * transition rewrites it as a string.
 *
 * @example
 * const states = await findOrderStates(redis, space, orderIds) // orderId -> state; expired ones missing
 */
export async function findOrderStates(
  redis: Redis,
  space: KeySpace,
  orderIds: readonly string[],
): Promise<Map<string, OrderState>> {
  const states = new Map<string, OrderState>()
  const ids = [...new Set(orderIds)]
  if (ids.length === 0) return states
  const pipeline = redis.pipeline()
  for (let p = 0; p < space.partitions; p++)
    for (const id of ids) pipeline.get(orderKey(space, p, id))
  const legacy: { id: string; partition: number }[] = []
  for (const [i, [error, text]] of ((await pipeline.exec()) ?? []).entries()) {
    const id = ids[i % ids.length] as string
    const partition = Math.floor(i / ids.length)
    if (error) {
      if (!String(error.message).startsWith('WRONGTYPE')) throw error
      legacy.push({ id, partition })
    } else if (typeof text === 'string' && !states.has(id)) {
      const state = fromText(text, partition)
      if (state.id === id) states.set(id, state)
    }
  }
  if (legacy.length > 0) await findLegacyStates(redis, space, legacy, states)
  return states
}

/**
 * The fields of an order's hash, as versions before the string form wrote
 * it, in the order of the string form (as transition-many-4n.lua reads them).
 */
const LEGACY_FIELDS = [
  'status',
  'updatedAt',
  'userId',
  'quantity',
  'unitPrice',
  'total',
  'createdAt',
  'productId',
  'saleId',
  'id',
] as const

async function findLegacyStates(
  redis: Redis,
  space: KeySpace,
  orders: { id: string; partition: number }[],
  states: Map<string, OrderState>,
): Promise<void> {
  const pipeline = redis.pipeline()
  for (const { id, partition } of orders)
    pipeline.hmget(orderKey(space, partition, id), ...LEGACY_FIELDS)
  for (const [i, [error, values]] of ((await pipeline.exec()) ?? []).entries()) {
    if (error) throw error
    const { id, partition } = orders[i] as { id: string; partition: number }
    const [status, updatedAt, ...rest] = values as (string | null)[]
    if (rest.at(-1) !== id || states.has(id)) continue
    // Read as the string it becomes on its next move; the reserve script always wrote updatedAt.
    const fields = [status, updatedAt ?? rest[4], ...rest].map((field) => field ?? '')
    fields[8] ||= '-' // no saleId: a product bought at list price
    const text = fields.join(' ')
    states.set(id, fromText(text, partition))
  }
}

export type TransitionRequest = {
  /** Only this buyer's order; null for the worker, which acts on any order. */
  userId: string | null
  from: readonly string[]
  to: string
  /** Give the units back to stock and the buyer's slot (cancel, failure, return). */
  restore: boolean
  ttlSeconds: number
  /** Refuse when the current status is older than this (the return window). */
  maxAgeMs?: number
}

export type TransitionOutcome = { type: 'Moved' | 'AlreadyThere'; updatedAt: Date }
export type TransitionRefusal =
  | { type: 'NoSuchOrder' }
  | { type: 'NotAllowed'; status: string }
  | { type: 'TooLate'; status: string }
  | { type: 'RedisUnavailable'; cause: unknown }

/**
 * Moves one order found with `findOrderState`: a batch of one for
 * transition-many-4n.lua, the one script every move goes through.
 *
 * @example
 * await transitionOrder(redis, space, state, { userId, from: ['pending', 'paid'], to: 'cancelled', restore: true, ttlSeconds: 86400 })
 */
export function transitionOrder(
  redis: Redis,
  space: KeySpace,
  state: OrderState,
  request: TransitionRequest,
): ResultAsync<TransitionOutcome, TransitionRefusal> {
  return transitionOrders(redis, space, [{ state, request }]).andThen(([result]) => {
    if (!result) throw new Error('transition-many-4n.lua answered no order')
    return result
  })
}

/** At most this many orders per script call, so one call never holds Redis for long. */
const MANY_CHUNK = 200

/**
 * Moves a batch of orders, each exactly as `transitionOrder` would, with one
 * call of transition-many-4n.lua per partition (and per 200 orders) instead
 * of one per order. Answers one result per item, in order;
 * fails as a whole only when Redis does not answer (some orders may have
 * moved by then: asking again answers AlreadyThere for those).
 *
 * @example
 * const results = await transitionOrders(redis, space, [{ state, request }])
 * results.map((r) => r.isOk() && r.value.type) // ['Moved']
 */
export function transitionOrders(
  redis: Redis,
  space: KeySpace,
  items: readonly { state: OrderState; request: TransitionRequest }[],
): ResultAsync<
  Result<TransitionOutcome, TransitionRefusal>[],
  { type: 'RedisUnavailable'; cause: unknown }
> {
  const chunks: number[][] = []
  const byPartition = Map.groupBy(items.keys(), (i) => items[i]?.state.partition ?? 0)
  for (const indexes of byPartition.values())
    for (let at = 0; at < indexes.length; at += MANY_CHUNK)
      chunks.push(indexes.slice(at, at + MANY_CHUNK))
  const calls = chunks.map(async (indexes) => {
    const keys: string[] = []
    const args: (string | number)[] = []
    for (const i of indexes) {
      const { state, request } = items[i] as (typeof items)[number]
      keys.push(...transitionKeys(space, state))
      args.push(...transitionArgs(request))
    }
    const replies = await redis.transitionMany(keys.length, ...keys, ...args)
    return indexes.map((i, n) => [i, replies[n]] as const)
  })
  return ResultAsync.fromPromise(Promise.all(calls), (cause) => ({
    type: 'RedisUnavailable' as const,
    cause,
  })).map((answered) => {
    const results: Result<TransitionOutcome, TransitionRefusal>[] = []
    for (const [i, reply] of answered.flat()) {
      if (!reply) throw new Error('transition-many-4n.lua answered fewer orders than it was given')
      results[i] = outcomeOf(reply)
    }
    return results
  })
}

/** The script's keys for an order: its state, its offer's stock and buyers, its partition's stream. */
function transitionKeys(space: KeySpace, state: OrderState): [string, string, string, string] {
  const offer: Offer = state.saleId
    ? { kind: 'sale', id: state.saleId }
    : { kind: 'product', id: state.productId }
  const keys = offerKeys(space, offer)
  return [
    orderKey(space, state.partition, state.id),
    keys.stock,
    keys.buyers,
    streamKey(space, state.partition, 'orders'),
  ]
}

function transitionArgs(
  request: TransitionRequest,
): [string, string, string, '0' | '1', number, number] {
  return [
    request.userId ?? '',
    request.from.join(' '),
    request.to,
    request.restore ? '1' : '0',
    request.ttlSeconds,
    request.maxAgeMs ?? 0,
  ]
}

/** The one place transition-many-4n.lua's return codes are given meaning. */
function outcomeOf([code, status, updatedAtMs]: TransitionReply): Result<
  TransitionOutcome,
  TransitionRefusal
> {
  switch (code) {
    case 1:
      return ok({ type: 'Moved', updatedAt: new Date(updatedAtMs) })
    case 2:
      return ok({ type: 'AlreadyThere', updatedAt: new Date(updatedAtMs) })
    case -1:
      return err({ type: 'NoSuchOrder' })
    case -2:
      return err({ type: 'NotAllowed', status })
    case -3:
      return err({ type: 'TooLate', status })
    default:
      throw new Error(`transition-many-4n.lua returned an unknown code ${code}`)
  }
}
