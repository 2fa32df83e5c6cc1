import type { BreakerState, CircuitBreaker } from '@flash/breaker'
import type { MetricFamily } from './prometheus.ts'

/** What `breaker_state` reads for each state: the higher, the less gets through. */
const STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 }
const STATES = Object.keys(STATE_VALUE) as BreakerState[]

/**
 * The breakers' families for `service({ metrics })`: `breaker_state` (0
 * closed, 1 half-open, 2 open) and `breaker_transitions_total` by the state
 * moved to, each labelled `upstream` with the breaker's name. Transitions
 * are counted from the call on (call it when the breakers are made); every
 * state shows from the first scrape, at 0 until a breaker moves to it. A
 * scrape reads `state`, so an open breaker whose wait is over shows
 * half-open, as the next call would find it.
 *
 * @example
 * service({ name: 'auth', maxBodyBytes, metrics: breakerMetrics([checkout.breaker]) })
 */
export function breakerMetrics(
  breakers: CircuitBreaker[] | Record<string, CircuitBreaker>,
): () => MetricFamily[] {
  const list = Array.isArray(breakers) ? breakers : Object.values(breakers)
  const transitions = new Map<CircuitBreaker, Record<BreakerState, number>>()
  for (const breaker of list) {
    const counts = { closed: 0, half_open: 0, open: 0 }
    transitions.set(breaker, counts)
    breaker.onTransition(({ to }) => {
      counts[to]++
    })
  }
  return () => [
    {
      name: 'breaker_state',
      type: 'gauge',
      help: 'State of the circuit breaker in front of an upstream: 0 closed, 1 half-open, 2 open.',
      samples: list.map((breaker) => ({
        labels: { upstream: breaker.name },
        value: STATE_VALUE[breaker.state],
      })),
    },
    {
      name: 'breaker_transitions_total',
      type: 'counter',
      help: 'State changes of the circuit breaker in front of an upstream, by the state it moved to.',
      samples: list.flatMap((breaker) =>
        STATES.map((to) => ({
          labels: { upstream: breaker.name, to },
          value: transitions.get(breaker)?.[to] ?? 0,
        })),
      ),
    },
  ]
}
