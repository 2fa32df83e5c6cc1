import { describe, expect, test } from 'bun:test'
import { faultKinds, planFaults, redisFaults, singleFaults } from '../faults.ts'
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

  test('on a cluster strikes a seeded master with each Redis fault, with the same kinds and timings as on one server', () => {
    const single = planFaults(prng('5'), 30, false)
    const cluster = planFaults(prng('5'), 30, false, { redisNodes: 3 })
    expect(single.some((plan) => plan.redisNode !== undefined)).toBe(false)
    expect(cluster.map(({ redisNode, ...rest }) => rest)).toEqual(single)
    const struck = cluster.filter((plan) => redisFaults.includes(plan.kind))
    expect(struck.every((plan) => [0, 1, 2].includes(plan.redisNode as number))).toBe(true)
    expect(new Set(struck.map((plan) => plan.redisNode))).toEqual(new Set([0, 1, 2]))
    expect(
      cluster.filter((plan) => !redisFaults.includes(plan.kind)).some((p) => 'redisNode' in p),
    ).toBe(false)
  })

  test('draws from the kinds it is given', () => {
    const kinds = planFaults(prng('9'), 4, true, { kinds: ['redis-pause', 'payment-down'] })
    expect(kinds.map((plan) => plan.kind).sort()).toEqual([
      'payment-down',
      'payment-down',
      'redis-pause',
      'redis-pause',
    ])
  })
})

describe('the command line', () => {
  test('reads rounds, seed and --short, and takes CHAOS_SEED when no seed is given', () => {
    expect(parseOptions(['--rounds=12', '--seed=abc'], {})).toEqual({
      rounds: 12,
      seed: 'abc',
      short: false,
      redis: 'single',
    })
    expect(parseOptions(['--short'], { CHAOS_SEED: '99' })).toEqual({
      rounds: 4,
      seed: '99',
      short: true,
      redis: 'single',
    })
    expect(parseOptions(['--redis=cluster', '--faults=redis-pause,redis-empty'], {})).toMatchObject(
      {
        redis: 'cluster',
        faults: ['redis-pause', 'redis-empty'],
      },
    )
    expect(() => parseOptions(['--redis=sentinel'], {})).toThrow('--redis')
    expect(() => parseOptions(['--faults=redis-melt'], {})).toThrow('--faults')
    expect(() => parseOptions(['--rounds=0'], {})).toThrow('--rounds')
    expect(() => parseOptions(['--fast'], {})).toThrow('unknown option')
  })
})
