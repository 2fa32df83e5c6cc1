import { describe, expect, it } from 'bun:test'
import { CircuitBreaker, ManualClock } from '@flash/breaker'
import { parseMetrics } from '@flash/testing'
import { Elysia } from 'elysia'
import { breakerMetrics, service } from '../src/index.ts'

/** Breakers as an app has them, served by service() with their families. */
function appWith(breakers: Record<string, CircuitBreaker>) {
  const server = new Elysia().use(
    service({ name: 'test', maxBodyBytes: 1024, metrics: breakerMetrics(breakers) }),
  )
  return async () => {
    const metrics = parseMetrics(
      await (await server.handle(new Request('http://localhost/metrics'))).text(),
    )
    const read = (name: string) =>
      Object.fromEntries(
        (metrics.families.get(name)?.samples ?? []).map((sample) => [
          Object.values(sample.labels).slice(1).join(' '),
          sample.value,
        ]),
      )
    return { state: read('breaker_state'), transitions: read('breaker_transitions_total') }
  }
}

const failing = () => Promise.reject(new Error('upstream down'))

describe('breakerMetrics', () => {
  it('reads 0 closed, 2 open, 1 half-open per upstream, and counts each move by the state moved to', async () => {
    const clock = new ManualClock()
    const options = {
      windowSize: 2,
      minimumCalls: 2,
      openDurationMs: 1000,
      halfOpenCalls: 1,
      clock,
    }
    const breakers = {
      checkout: new CircuitBreaker({ name: 'checkout', ...options }),
      catalog: new CircuitBreaker({ name: 'catalog', ...options }),
    }
    const scrape = appWith(breakers)
    const closed = await scrape()

    for (let i = 0; i < 2; i++) await breakers.checkout.run(failing).catch(() => {})
    const opened = await scrape()

    clock.advance(1000)
    const halfOpen = await scrape()

    await breakers.checkout.run(() => Promise.resolve('ok'))
    const closedAgain = await scrape()

    const none = { 'checkout closed': 0, 'checkout half_open': 0, 'checkout open': 0 }
    const catalogNone = { 'catalog closed': 0, 'catalog half_open': 0, 'catalog open': 0 }
    expect({ closed, opened, halfOpen, closedAgain }).toEqual({
      closed: { state: { checkout: 0, catalog: 0 }, transitions: { ...none, ...catalogNone } },
      opened: {
        state: { checkout: 2, catalog: 0 },
        transitions: { ...none, 'checkout open': 1, ...catalogNone },
      },
      halfOpen: {
        state: { checkout: 1, catalog: 0 },
        transitions: { ...none, 'checkout open': 1, 'checkout half_open': 1, ...catalogNone },
      },
      closedAgain: {
        state: { checkout: 0, catalog: 0 },
        transitions: {
          'checkout open': 1,
          'checkout half_open': 1,
          'checkout closed': 1,
          ...catalogNone,
        },
      },
    })
  })
})
