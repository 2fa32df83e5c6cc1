import { describe, expect, test } from 'bun:test'
import { faultKinds, planFaults, singleFaults } from '../faults.ts'
import { parseOptions } from '../options.ts'
import { prng } from '../prng.ts'

describe('the fault plan', () => {
  test('is the same for the same seed, so CHAOS_SEED replays a campaign', () => {
    expect(planFaults(prng('42'), 12, false)).toEqual(planFaults(prng('42'), 12, false))
    expect(planFaults(prng('42'), 12, false)).not.toEqual(planFaults(prng('43'), 12, false))
  })

  test('tries every kind of fault once in each run of ten rounds from the start', () => {
    const kinds = planFaults(prng('7'), 20, false).map((plan) => plan.kind)
    expect(new Set(kinds.slice(0, 10))).toEqual(new Set(faultKinds))
    expect(new Set(kinds.slice(10))).toEqual(new Set(faultKinds))
  })

  test('draws only single faults in the short campaign, each once in eight rounds', () => {
    const kinds = planFaults(prng('7'), 16, true).map((plan) => plan.kind)
    expect(new Set(kinds.slice(0, 8))).toEqual(new Set(singleFaults))
    expect(new Set(kinds.slice(8))).toEqual(new Set(singleFaults))
  })

  test('holds MySQL locks for 20 to 60 seconds, shorter in the short campaign', () => {
    const locks = (short: boolean) =>
      planFaults(prng('3'), 64, short)
        .filter(
          (plan) =>
            plan.kind === 'mysql-read-lock' || plan.kind === 'worker-kills-under-mysql-lock',
        )
        .map((plan) => plan.durationMs)
    expect(locks(false).every((ms) => ms >= 20_000 && ms <= 60_000)).toBe(true)
    expect(locks(true).every((ms) => ms <= 8_000)).toBe(true)
    expect(locks(true).length).toBeGreaterThan(0)
  })
})

describe('the command line', () => {
  test('reads rounds, seed and --short, and takes CHAOS_SEED when no seed is given', () => {
    expect(parseOptions(['--rounds=12', '--seed=abc'], {})).toEqual({
      rounds: 12,
      seed: 'abc',
      short: false,
    })
    expect(parseOptions(['--short'], { CHAOS_SEED: '99' })).toEqual({
      rounds: 4,
      seed: '99',
      short: true,
    })
    expect(() => parseOptions(['--rounds=0'], {})).toThrow('--rounds')
    expect(() => parseOptions(['--fast'], {})).toThrow('unknown option')
  })
})
