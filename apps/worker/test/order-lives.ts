import { type OrderEvent, type OrderStatus, parseOrderEvent } from '@flash/contracts'
import {
  findOrderState,
  type MoveRequest,
  moveOrderState,
  type Offer,
  reserve,
  streamKey,
} from '@flash/redis'
import { toEntries } from '@flash/streams'
import type { TestRedis } from '@flash/testing'
import fc from 'fast-check'

/** Order events as the order-writer takes them: stream entry id and event. */
export type Batch = { id: string; event: OrderEvent }[]

const step = (from: OrderStatus, to: OrderStatus, restore = false) => ({ from, to, restore })
export const PAY = step('pending', 'paid')
export const CANCEL_PENDING = step('pending', 'cancelled', true)
export const CANCEL_PAID = step('paid', 'cancelled', true)
const FAIL = step('pending', 'failed', true)
const SHIP = step('paid', 'shipping')
const DELIVER = step('shipping', 'delivered')
const ASK_RETURN = step('delivered', 'return_requested')
const RETURNED = step('return_requested', 'returned', true)

/** Lives an order can have in Redis, as the moves that make them. */
export const LIVES = [
  [],
  [CANCEL_PENDING],
  [FAIL],
  [PAY],
  [PAY, CANCEL_PAID],
  [PAY, SHIP],
  [PAY, SHIP, DELIVER, ASK_RETURN, RETURNED],
]

export type Life = (typeof LIVES)[number]

/**
 * Places orders through the real scripts, one per life, and moves each
 * through its life; `events()` then answers the order events written since
 * it was last called, in stream order, for the model tests to apply in
 * whatever order they choose.
 *
 * @example
 * const lives = orderLives(r, buyers)
 * const ids = await lives.place({ kind: 'sale', id: saleId }, [LIVES[0], LIVES[3]])
 * const events = await lives.events()
 */
export function orderLives(r: TestRedis, buyers: readonly string[]) {
  let read = '0-0'
  return {
    async place(offer: Offer, lives: readonly Life[]): Promise<string[]> {
      const ids: string[] = []
      for (const [i, moves] of lives.entries()) {
        const orderId = Bun.randomUUIDv7()
        const placed = await reserve(r.redis, r.space, {
          offer,
          orderId,
          userId: buyers[i % buyers.length] as string,
          quantity: 1 + (i % 3),
          fingerprint: 'f',
          idempotencyKey: `key ${orderId}`,
          idempotencyTtlSeconds: 600,
          orderTtlSeconds: 3600,
        })
        if (placed.isErr() || placed.value.type !== 'Placed') throw new Error('not placed')
        const state = await findOrderState(r.redis, r.space, orderId)
        if (!state) throw new Error('no live state')
        for (const move of moves) {
          const request: MoveRequest = {
            userId: null,
            from: [move.from],
            to: move.to,
            restore: move.restore,
            ttlSeconds: 3600,
          }
          const moved = await moveOrderState(r.redis, r.space, state, request)
          if (moved.isErr() || moved.value.type !== 'Moved') throw new Error('not moved')
        }
        ids.push(orderId)
      }
      return ids
    },
    async events(): Promise<Batch> {
      const stream = streamKey(r.space, 0, 'orders')
      const entries = toEntries([[stream, await r.redis.xrange(stream, `(${read}`, '+')]])
      read = entries.at(-1)?.id ?? read
      return entries.map(({ id, fields }) => {
        const event = parseOrderEvent(fields ?? {})
        if (event.isErr()) throw new Error(event.error)
        return { id, event: event.value }
      })
    },
  }
}

/**
 * An adversarial delivery of up to 30 events: sort keys (a permutation),
 * events delivered again, and where batches are cut.
 */
export const deliveries = fc.record({
  keys: fc.array(fc.nat(1_000), { minLength: 30, maxLength: 30 }),
  repeats: fc.array(fc.nat(29), { maxLength: 6 }),
  cuts: fc.array(fc.boolean(), { minLength: 36, maxLength: 36 }),
})

export type Delivery = { keys: number[]; repeats: number[]; cuts: boolean[] }

/**
 * `events` as `delivery` hands them to the order-writer: reordered, some
 * twice, cut into batches.
 *
 * @example
 * for (const batch of deliveredAs(events, delivery)) await writeOrders(db)(batch)
 */
export function deliveredAs(events: Batch, delivery: Delivery): Batch[] {
  const { keys, repeats, cuts } = delivery
  const order = events
    .map((entry, i) => ({ entry, key: keys[i] ?? 0 }))
    .sort((a, b) => a.key - b.key)
    .map(({ entry }) => entry)
  for (const i of repeats) if (events[i]) order.splice(i % (order.length + 1), 0, events[i])
  const batches: Batch[] = [[]]
  for (const [i, entry] of order.entries()) {
    batches.at(-1)?.push(entry)
    if (cuts[i]) batches.push([])
  }
  return batches
}
