import { type OrderEvent, parseOrderEvent } from '@flash/contracts'
import type { RedisClient } from '../client.ts'
import type { OrderState } from '../order-state.ts'

/** Entries read per XRANGE call. */
const PAGE = 1000

/**
 * The newest state of every order named in a partition's orders stream, as
 * its event of the highest seq says (every order event carries the order's
 * whole snapshot). These are the changes MySQL may not have yet: entries
 * leave the stream only once every group acknowledged them, so whatever the
 * order-writer has not applied is still there. Entries that do not decode
 * are left out; the order-writer dead-letters them.
 *
 * @example
 * const newest = await streamOrders(redis, streamKey(space, 0, 'orders'), 0) // orderId -> state
 */
export async function streamOrders(
  redis: RedisClient,
  stream: string,
  partition: number,
): Promise<Map<string, OrderState>> {
  const newest = new Map<string, OrderState>()
  let from = '-'
  for (;;) {
    const page = (await redis.xrange(stream, from, '+', 'COUNT', PAGE)) as [string, string[]][]
    for (const [, fields] of page) {
      const event = decode(fields)
      if (!event) continue
      const kept = newest.get(event.orderId)
      if (!kept || event.seq > kept.seq) newest.set(event.orderId, stateOf(event, partition))
    }
    if (page.length < PAGE) return newest
    from = `(${(page.at(-1) as [string, string[]])[0]}`
  }
}

function decode(fields: string[]): OrderEvent | null {
  if (fields.length !== 2 || fields[0] !== 'json') return null
  try {
    const parsed = parseOrderEvent(JSON.parse(fields[1] as string))
    return parsed.isOk() ? parsed.value : null
  } catch {
    return null
  }
}

/** The live state an event leaves its order in (what the script that wrote it also SET). */
export function stateOf(event: OrderEvent, partition: number): OrderState {
  const placed = event.type === 'order.placed'
  return {
    id: event.orderId,
    userId: event.userId,
    saleId: event.saleId,
    productId: event.productId,
    quantity: event.quantity,
    unitPrice: event.unitPrice,
    total: event.total,
    status: placed ? 'pending' : event.to,
    seq: event.seq,
    idempotencyKey: event.idempotencyKey,
    createdAt: event.placedAt,
    updatedAt: placed ? event.placedAt : event.at,
    partition,
  }
}
