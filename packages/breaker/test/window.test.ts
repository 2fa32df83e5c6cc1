import { describe, expect, it } from 'bun:test'
import { type Outcome, OutcomeWindow } from '../src/window.ts'

describe('OutcomeWindow', () => {
  it('keeps its counts equal to a recount of the last `size` outcomes, through resets', () => {
    // A fixed pseudo-random sequence: the same run every time.
    let seed = 7
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed / 2 ** 31
    }
    const window = new OutcomeWindow(10)
    let history: Outcome[] = []
    const mismatches: string[] = []
    for (let i = 0; i < 500; i++) {
      if (i === 250) {
        window.reset()
        history = []
      }
      const outcome = { failed: next() < 0.3, slow: next() < 0.2 }
      window.add(outcome)
      history.push(outcome)
      const last = history.slice(-10)
      const expected = {
        calls: last.length,
        failures: last.filter((o) => o.failed).length,
        slow: last.filter((o) => o.slow).length,
      }
      const { calls, failures, slow } = window.rates()
      if (calls !== expected.calls || failures !== expected.failures || slow !== expected.slow)
        mismatches.push(`after ${i + 1}: ${JSON.stringify({ calls, failures, slow })}`)
    }
    expect(mismatches).toEqual([])
    expect(window.rates().calls).toBe(10)
  })
})
