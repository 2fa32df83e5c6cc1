export {
  type BreakerOptions,
  type BreakerSnapshot,
  type BreakerState,
  CircuitBreaker,
  type Transition,
} from './breaker.ts'
export { type Clock, ManualClock, systemClock } from './clock.ts'
export { type Deadline, Deadlines } from './deadlines.ts'
export { BreakerOpenError, CallTimeoutError } from './errors.ts'
