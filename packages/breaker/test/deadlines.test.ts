import { describe, expect, it } from 'bun:test'
import { Deadlines } from '../src/deadlines.ts'
import { ManualClock } from '../src/index.ts'

describe('deadlines that share one timer', () => {
  it('expires each unsettled call once, at its own deadline, with one timer at a time', () => {
    const clock = new ManualClock()
    const deadlines = new Deadlines(clock, 1_000)
    const expired: string[] = []
    deadlines.add(() => expired.push('a'))
    clock.advance(300)
    deadlines.add(() => expired.push('b'))
    const settled = deadlines.add(() => expired.push('settled'))
    clock.advance(300)
    deadlines.add(() => expired.push('c'))
    settled.settle()
    expect(clock.pendingTimers).toBe(1)

    clock.advance(399)
    expect(expired).toEqual([])
    clock.advance(1)
    expect(expired).toEqual(['a'])
    clock.advance(300)
    expect(expired).toEqual(['a', 'b'])
    clock.advance(300)
    expect(expired).toEqual(['a', 'b', 'c'])
    clock.advance(10_000)
    expect({ expired, timers: clock.pendingTimers }).toEqual({
      expired: ['a', 'b', 'c'],
      timers: 0,
    })
  })

  it('arms no timer per call under a stampede, and none once every call has settled', () => {
    const clock = new ManualClock()
    let armed = 0
    const counting = {
      now: () => clock.now(),
      setTimeout: (callback: () => void, ms: number) => {
        armed++
        return clock.setTimeout(callback, ms)
      },
      clearTimeout: (handle: unknown) => clock.clearTimeout(handle),
    }
    const stampede = new Deadlines(counting, 10_000)
    // 64 calls in flight at a time, each settled as another begins.
    const inFlight = Array.from({ length: 64 }, () => stampede.add(() => {}))
    for (let i = 0; i < 10_000; i++) {
      inFlight.shift()?.settle()
      inFlight.push(stampede.add(() => {}))
      if (i % 100 === 0) clock.advance(1)
    }
    expect(armed).toBeLessThanOrEqual(2)
    for (const deadline of inFlight) deadline.settle()
    expect(clock.pendingTimers).toBe(0)
  })

  it('expires nothing after clear', () => {
    const clock = new ManualClock()
    const deadlines = new Deadlines(clock, 1_000)
    const expired: string[] = []
    deadlines.add(() => expired.push('a'))
    deadlines.clear()
    clock.advance(5_000)
    expect({ expired, timers: clock.pendingTimers }).toEqual({ expired: [], timers: 0 })
  })
})
