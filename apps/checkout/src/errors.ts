import { type ApiErrorBody, errorReply, type OrderStatus } from '@flash/contracts'
import { type Offer, RecoveringError } from '@flash/redis'

/** Everything checkout can refuse, as data. */
export type CheckoutError =
  | { type: 'IdempotencyKeyRequired' }
  | { type: 'InvalidOffer' }
  | { type: 'IdempotencyKeyReused' }
  | { type: 'OfferNotFound'; offer: Offer }
  | { type: 'NotStarted' }
  | { type: 'Ended' }
  | { type: 'LimitReached' }
  | { type: 'SoldOut'; offer: Offer; remaining?: number }
  | { type: 'RateLimited'; retryAfterSeconds: number }
  | { type: 'TokenRevoked' }
  | { type: 'OrderNotFound' }
  | { type: 'NotCancellable'; status: OrderStatus }
  | { type: 'NotReturnable'; status: OrderStatus }
  /** The offer's partition is being rebuilt from MySQL: its stock and orders are not known yet. */
  | { type: 'Recovering'; partition: number }
  /** The buyer's bucket of a bucketed sale waits for units from the sale's other buckets. */
  | { type: 'Rebalancing' }
  | { type: 'Unavailable'; cause: unknown }

/** The one switch that turns a checkout error into the status, body and headers of shared/API.md. */
export function toHttp(error: CheckoutError): {
  status: number
  body: ApiErrorBody
  headers?: Record<string, string>
} {
  switch (error.type) {
    case 'IdempotencyKeyRequired':
      return errorReply(
        400,
        'idempotency_key_required',
        'send an Idempotency-Key header (1-64 chars)',
      )
    case 'InvalidOffer':
      return errorReply(400, 'invalid_request', 'body: send exactly one of saleId or productId')
    case 'IdempotencyKeyReused':
      return errorReply(
        422,
        'idempotency_key_reused',
        'this Idempotency-Key was used with another body',
      )
    case 'OfferNotFound':
      return errorReply(404, 'not_found', `${error.offer.kind} ${error.offer.id} does not exist`)
    case 'NotStarted':
      return errorReply(425, 'sale_not_started', 'the sale has not started yet')
    case 'Ended':
      return errorReply(410, 'sale_ended', 'the sale has ended')
    case 'LimitReached':
      return errorReply(409, 'limit_reached', 'you already hold the most units this sale allows')
    case 'SoldOut':
      return errorReply(
        409,
        'sold_out',
        error.remaining ? `only ${error.remaining} left` : `this ${error.offer.kind} is sold out`,
      )
    case 'RateLimited':
      return {
        ...errorReply(
          429,
          'rate_limited',
          `too many orders; retry in ${error.retryAfterSeconds} s`,
        ),
        headers: { 'retry-after': String(error.retryAfterSeconds) },
      }
    case 'TokenRevoked':
      return errorReply(401, 'unauthorized', 'this session has ended; sign in again')
    case 'OrderNotFound':
      return errorReply(404, 'not_found', 'no such order')
    case 'NotCancellable':
      return errorReply(
        409,
        'not_cancellable',
        `an order that is ${error.status} cannot be cancelled`,
      )
    case 'NotReturnable':
      return errorReply(
        409,
        'not_returnable',
        error.status === 'delivered'
          ? 'the return window for this order has closed'
          : `an order that is ${error.status} cannot be returned`,
      )
    case 'Recovering':
      return recovering()
    case 'Rebalancing':
      return {
        ...errorReply(
          503,
          'unavailable',
          'units of this sale are being moved to where you buy from; try again in a second',
        ),
        headers: { 'retry-after': '1' },
      }
    case 'Unavailable':
      // A live state read while its partition is rebuilt: as short a wait as a refused order.
      if (error.cause instanceof RecoveringError) return recovering()
      return errorReply(503, 'unavailable', 'orders are unavailable right now; try again shortly')
  }
}

/**
 * Never 404 for a sale MySQL has, nor a guess from state that may be older
 * than MySQL's: the worker rebuilds a partition within seconds.
 */
function recovering() {
  return {
    ...errorReply(
      503,
      'unavailable',
      'orders are being restored after a storage failure; try again in a second',
    ),
    headers: { 'retry-after': '1' },
  }
}
