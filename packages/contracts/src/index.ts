export { type ApiErrorBody, type ErrorCode, errorBody } from './errors.ts'
export {
  type EventType,
  eventTypes,
  type OrderPlaced,
  parseOrderPlaced,
} from './events.ts'
