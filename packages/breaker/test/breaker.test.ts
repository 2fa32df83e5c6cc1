import { describe, expect, it } from 'bun:test'
import {
  BreakerOpenError,
  type BreakerOptions,
  CallTimeoutError,
  CircuitBreaker,
  ManualClock,
  type Transition,
} from '../src/index.ts'

function setup(options: Partial<BreakerOptions> = {}) {
  const clock = new ManualClock()
  const breaker = new CircuitBreaker({ name: 'test', clock, ...options })
  const transitions: string[] = []
  breaker.onTransition((t: Transition) => transitions.push(`${t.from}->${t.to}`))
  return { clock, breaker, transitions }
}

const ok = async () => 'ok'
const boom = async (): Promise<string> => {
  throw new Error('boom')
}

async function feed(breaker: CircuitBreaker, results: ('ok' | 'fail')[]) {
  for (const result of results) await breaker.run(result === 'ok' ? ok : boom).catch(() => {})
}

describe('the circuit breaker', () => {
  it('stays closed below the minimum number of calls, whatever fails', async () => {
    const { breaker, transitions } = setup()
    await feed(breaker, Array(9).fill('fail'))
    expect({ state: breaker.state, transitions }).toEqual({ state: 'closed', transitions: [] })
  })

  it('opens exactly at the failure threshold, with one transition event', async () => {
    const { breaker, transitions } = setup()
    await feed(breaker, ['ok', 'ok', 'ok', 'ok', 'ok', 'fail', 'fail', 'fail', 'fail'])
    expect(breaker.state).toBe('closed')
    await feed(breaker, ['fail'])
    expect({ state: breaker.state, transitions }).toEqual({
      state: 'open',
      transitions: ['closed->open'],
    })
  })

  it('judges only the last calls of its window', async () => {
    const { breaker } = setup()
    await feed(breaker, [...Array(6).fill('fail'), ...Array(4).fill('ok')])
    expect(breaker.state).toBe('open')
    const fresh = setup()
    await feed(fresh.breaker, [
      ...Array(4).fill('fail'),
      ...Array(10).fill('ok'),
      'fail',
      'fail',
      'fail',
      'fail',
    ])
    // The first four failures have left the window: 4 of the last 10 failed.
    expect(fresh.breaker.state).toBe('closed')
  })

  it('rejects at once while open, without calling', async () => {
    const { breaker } = setup()
    await feed(breaker, Array(10).fill('fail'))
    let called = 0
    const attempt = breaker.run(async () => {
      called++
      return 1
    })
    expect(attempt).rejects.toBeInstanceOf(BreakerOpenError)
    await attempt.catch(() => {})
    expect({ called, notPermitted: breaker.snapshot().notPermitted }).toEqual({
      called: 0,
      notPermitted: 1,
    })
  })

  it('is still open just before the wait ends and half-open after it', async () => {
    const { breaker, clock, transitions } = setup({ openDurationMs: 10_000 })
    await feed(breaker, Array(10).fill('fail'))
    clock.advance(9_999)
    expect(breaker.state).toBe('open')
    clock.advance(1)
    expect(breaker.state).toBe('half_open')
    expect(transitions).toEqual(['closed->open', 'open->half_open'])
  })

  it('lets exactly 3 trial calls through in half-open when 100 callers arrive together', async () => {
    const { breaker, clock } = setup()
    await feed(breaker, Array(10).fill('fail'))
    clock.advance(10_000)
    let calls = 0
    const gates: (() => void)[] = []
    const attempts = Array.from({ length: 100 }, () =>
      breaker.run(
        () =>
          new Promise<string>((resolve) => {
            calls++
            gates.push(() => resolve('ok'))
          }),
      ),
    )
    const refused = (
      await Promise.allSettled(attempts.map((a) => Promise.race([a, Promise.resolve('pending')])))
    ).filter((r) => r.status === 'rejected' && r.reason instanceof BreakerOpenError).length
    expect({ calls, refused }).toEqual({ calls: 3, refused: 97 })
    for (const open of gates) open()
    await Promise.allSettled(attempts)
    expect(breaker.state).toBe('closed')
  })

  it('closes when the trial calls succeed and re-opens when they fail', async () => {
    const closing = setup()
    await feed(closing.breaker, Array(10).fill('fail'))
    closing.clock.advance(10_000)
    await feed(closing.breaker, ['ok', 'ok', 'ok'])
    expect(closing.transitions).toEqual(['closed->open', 'open->half_open', 'half_open->closed'])

    const reopening = setup()
    await feed(reopening.breaker, Array(10).fill('fail'))
    reopening.clock.advance(10_000)
    await feed(reopening.breaker, ['ok', 'fail', 'fail'])
    expect(reopening.transitions).toEqual(['closed->open', 'open->half_open', 'half_open->open'])
    // A fresh wait starts from the re-opening.
    reopening.clock.advance(9_000)
    expect(reopening.breaker.state).toBe('open')
  })

  it('counts slow calls and opens on the slow-call rate', async () => {
    const { breaker, clock } = setup({
      slowCallDurationMs: 500,
      slowCallRateThreshold: 0.5,
      timeoutMs: 5_000,
    })
    const slow = async () => {
      clock.advance(600)
      return 'late but fine'
    }
    for (let i = 0; i < 5; i++) await breaker.run(ok)
    for (let i = 0; i < 4; i++) await breaker.run(slow)
    expect(breaker.state).toBe('closed')
    await breaker.run(slow)
    expect({ state: breaker.state, slow: breaker.snapshot().slow }).toEqual({
      state: 'open',
      slow: 5,
    })
  })

  it('fails a call that outlives its timeout, aborts its signal, and counts it', async () => {
    const { breaker, clock } = setup({ timeoutMs: 1_000 })
    let aborted = false
    const hanging = breaker.run(
      (signal) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true
            reject(signal.reason)
          })
        }),
    )
    clock.advance(1_000)
    expect(hanging).rejects.toBeInstanceOf(CallTimeoutError)
    await hanging.catch(() => {})
    expect({ aborted, failures: breaker.snapshot().failures }).toEqual({
      aborted: true,
      failures: 1,
    })
  })

  it('does not count errors the caller says are not failures', async () => {
    class ClientError extends Error {}
    const { breaker } = setup({ isFailure: (error) => !(error instanceof ClientError) })
    for (let i = 0; i < 10; i++)
      await breaker
        .run(async () => {
          throw new ClientError('404')
        })
        .catch(() => {})
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', calls: 10, failures: 0 })
  })

  it('answers the fallback when open or failing', async () => {
    const { breaker } = setup()
    expect(await breaker.runOr(boom, () => 'fallback')).toBe('fallback')
    await feed(breaker, Array(10).fill('fail'))
    expect(await breaker.runOr(ok, () => 'fallback')).toBe('fallback')
  })

  it('leaves no timer running after close()', async () => {
    const { breaker, clock } = setup({ timeoutMs: 1_000 })
    const hanging = breaker.run(() => new Promise(() => {}))
    expect(clock.pendingTimers).toBe(1)
    breaker.close()
    expect(clock.pendingTimers).toBe(0)
    expect(breaker.run(ok)).rejects.toThrow('closed for good')
    void hanging
  })

  it('reports its state and counts for /ready and metrics', async () => {
    const { breaker } = setup()
    await feed(breaker, ['ok', 'fail', 'ok'])
    expect(breaker.snapshot()).toEqual({
      name: 'test',
      state: 'closed',
      calls: 3,
      failures: 1,
      slow: 0,
      failureRate: 1 / 3,
      slowRate: 0,
      notPermitted: 0,
    })
  })

  it('keeps one timer for the deadlines of all its calls, not one per call', async () => {
    const clock = new ManualClock()
    let armed = 0
    const breaker = new CircuitBreaker({
      name: 'counted',
      timeoutMs: 1_000,
      clock: {
        now: () => clock.now(),
        setTimeout: (callback, ms) => {
          armed++
          return clock.setTimeout(callback, ms)
        },
        clearTimeout: (handle) => clock.clearTimeout(handle),
      },
    })
    // 64 calls at a time, each waiting for a later turn, as requests to an app do.
    const call = () => breaker.run(() => new Promise((resolve) => setImmediate(resolve)))
    for (let round = 0; round < 50; round++) await Promise.all(Array.from({ length: 64 }, call))

    expect(armed).toBeLessThanOrEqual(50)
    expect(clock.pendingTimers).toBe(0)
  })
})
