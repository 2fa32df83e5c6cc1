export { type ApiErrorBody, type ErrorCode, errorBody, errorReply } from './errors.ts'
export {
  type EventType,
  eventTypes,
  type OrderEvent,
  type OrderMoved,
  type OrderPlaced,
  parseOrderEvent,
} from './events.ts'
export { MAX_ORDER_QUANTITY, MAX_PRICE } from './limits.ts'
export {
  type OrderStatus,
  orderStatuses,
  releasedStatuses,
  releasesUnits,
} from './order-status.ts'
export {
  type EmailKind,
  type EmailRequested,
  onlyOf,
  type PaymentRequested,
  parseWorkEvent,
  type RefundRequested,
  type RollbackRequested,
  type ShippingRequested,
  toFields,
  type WorkEvent,
} from './work-events.ts'
