import type { OrderStatus } from '@flash/contracts'
import { type MoveRefusal, moveOrderState, type OrderState } from '@flash/redis'
import { errAsync, type ResultAsync } from 'neverthrow'
import type { CheckoutDeps } from '../../deps.ts'
import type { CheckoutError } from '../../errors.ts'
import type { OrderView } from './model.ts'
import { recordedPayments } from './payment-view.ts'
import { fromMySql, liveState, viewOfState } from './read.ts'

/**
 * Cancels the caller's order while it is pending or paid: the units go back
 * to stock and the buyer's slot frees, exactly once however many cancels
 * (or a cancel and a payment result) race, since the move is one script
 * on the order's live state. Cancelling a cancelled order answers it again.
 *
 * @example
 * await cancelOrder(deps, userId, orderId) // ok(view with status 'cancelled')
 */
export function cancelOrder(
  deps: CheckoutDeps,
  userId: string,
  orderId: string,
): ResultAsync<OrderView, CheckoutError> {
  return moveOwnOrder(deps, userId, orderId, 'NotCancellable', (state) =>
    moveOrderState(deps.redis, deps.space, state, {
      userId,
      from: ['pending', 'paid'],
      to: 'cancelled',
      restore: true,
      ttlSeconds: deps.finishedOrderTtlSeconds,
    }).map((outcome) => {
      // Stock is back: this process must not keep refusing the offer from memory.
      deps.soldOut.clear(state.saleId ?? state.productId)
      return outcome
    }),
  )
}

/**
 * Asks to return a delivered order, inside the return window counted from
 * delivery. The units go back to stock when the return completes (worker).
 *
 * @example
 * await requestReturn(deps, userId, orderId) // ok(view with status 'return_requested')
 */
export function requestReturn(
  deps: CheckoutDeps,
  userId: string,
  orderId: string,
): ResultAsync<OrderView, CheckoutError> {
  return moveOwnOrder(deps, userId, orderId, 'NotReturnable', (state) =>
    moveOrderState(deps.redis, deps.space, state, {
      userId,
      from: ['delivered'],
      to: 'return_requested',
      restore: false,
      ttlSeconds: deps.orderStateTtlSeconds,
      maxAgeMs: deps.returnWindowSeconds * 1000,
    }),
  )
}

/** Moves the caller's own order with `move`, or says why it cannot be moved. */
function moveOwnOrder(
  deps: CheckoutDeps,
  userId: string,
  orderId: string,
  refusal: 'NotCancellable' | 'NotReturnable',
  move: (state: OrderState) => ResultAsync<{ updatedAt: Date }, MoveRefusal>,
): ResultAsync<OrderView, CheckoutError> {
  return liveState(deps, orderId).andThen((state): ResultAsync<OrderView, CheckoutError> => {
    if (!state || state.userId !== userId) return whenNotLive(deps, userId, orderId, refusal)
    return move(state)
      .mapErr((error): CheckoutError => {
        switch (error.type) {
          case 'NoSuchOrder':
            return { type: 'OrderNotFound' }
          case 'NotAllowed':
          case 'TooLate':
            return { type: refusal, status: error.status }
          case 'RedisUnavailable':
            return { type: 'Unavailable', cause: error.cause }
        }
      })
      .andThen(({ updatedAt }) =>
        recordedPayments(deps.db, [orderId]).map((recorded) =>
          viewOfState({ ...state, status: targetOf(refusal), updatedAt }, recorded.get(orderId)),
        ),
      )
  })
}

/**
 * An order whose live state has expired can no longer be moved: it was
 * finished long ago. Tell the owner why; tell anyone else it does not exist.
 */
function whenNotLive(
  deps: CheckoutDeps,
  userId: string,
  orderId: string,
  refusal: 'NotCancellable' | 'NotReturnable',
): ResultAsync<OrderView, CheckoutError> {
  return fromMySql(deps.db, userId, [orderId]).andThen(([stored]) =>
    stored
      ? errAsync({ type: refusal, status: stored.status })
      : errAsync({ type: 'OrderNotFound' as const }),
  )
}

function targetOf(refusal: 'NotCancellable' | 'NotReturnable'): OrderStatus {
  return refusal === 'NotCancellable' ? 'cancelled' : 'return_requested'
}
