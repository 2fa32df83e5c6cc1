import { totals } from './correctness.ts'
import type { ScenarioResult } from './scenario.ts'

/**
 * The figures users judge the project by, from one run's results. A figure is
 * null when its scenario did not run (`--only`) or failed.
 *
 * @example
 * const h = headline(results)
 * h.stampedeRatio // 0.31
 */
export type Headline = {
  stampedeRps: number | null
  bareRps: number | null
  stampedeRatio: number | null
  p99Ms: number | null
  soldoutRatio: number | null
  lockRatio: number | null
  drainOps: number | null
  /** The stampede through the gateway (checkout in its process) over the stampede straight to checkout. */
  gatewayRatio: number | null
  gatewayP99Ms: number | null
  /** The same through a gateway in front of a checkout process. */
  gatewayRemoteRatio: number | null
  oversell: number
  lost: number
  doubleCharges: number
  /** Charges kept for orders that did not keep their units (failed, cancelled, returned). */
  keptCharges: number
  correct: boolean
}

/**
 * Ratios are of wrk runs only, so both sides always had the same driver.
 *
 * @example
 * headline([{ name: 'bare', load }, { name: 'stampede', load, verdict }, ...])
 */
export function headline(results: readonly ScenarioResult[]): Headline {
  const byName = (name: string) => results.find((r) => r.name === name)
  const rps = (name: string) => byName(name)?.load?.rps ?? null
  const ratio = (a: number | null, b: number | null) => (a !== null && b ? a / b : null)
  const stampedeRps = rps('stampede')
  const bareRps = rps('bare')
  const drain = byName('drain')?.facts.drain_ops
  const sum = totals(results.flatMap((r) => (r.verdict ? [r.verdict] : [])))
  return {
    stampedeRps,
    bareRps,
    stampedeRatio: ratio(stampedeRps, bareRps),
    p99Ms: byName('stampede')?.load?.latencyMs.p99 ?? null,
    soldoutRatio: ratio(rps('sold-out'), bareRps),
    lockRatio: ratio(stampedeRps, rps('lock-baseline')),
    drainOps: typeof drain === 'number' ? drain : null,
    gatewayRatio: ratio(rps('gateway'), stampedeRps),
    gatewayP99Ms: byName('gateway')?.load?.latencyMs.p99 ?? null,
    gatewayRemoteRatio: ratio(rps('gateway-remote'), stampedeRps),
    oversell: sum.oversold,
    lost: sum.lost,
    doubleCharges: sum.doubleCharges,
    keptCharges: sum.keptCharges,
    correct: sum.ok,
  }
}

const fixed = (n: number | null, digits: number) => (n === null ? 'n/a' : n.toFixed(digits))

/**
 * The one machine-readable line the bench prints last.
 *
 * @example
 * headlineLine(h) // 'bench: stampede_rps=18000 bare_rps=65000 stampede_ratio=0.277 ... oversell=0 lost=0 kept_charges=0'
 */
export function headlineLine(h: Headline): string {
  return (
    `bench: stampede_rps=${fixed(h.stampedeRps, 0)} bare_rps=${fixed(h.bareRps, 0)}` +
    ` stampede_ratio=${fixed(h.stampedeRatio, 3)} p99_ms=${fixed(h.p99Ms, 2)}` +
    ` soldout_ratio=${fixed(h.soldoutRatio, 3)} lock_ratio=${fixed(h.lockRatio, 1)}` +
    ` drain_ops=${fixed(h.drainOps, 0)} gateway_ratio=${fixed(h.gatewayRatio, 3)}` +
    ` gateway_p99_ms=${fixed(h.gatewayP99Ms, 2)} gateway_remote_ratio=${fixed(h.gatewayRemoteRatio, 3)}` +
    ` oversell=${h.oversell} lost=${h.lost}` +
    ` kept_charges=${h.keptCharges}`
  )
}

/**
 * One target of issue 7 and whether this run met it (null: not measured).
 *
 * @example
 * const row: Target = { what: 'stampede / bare', goal: '>= 0.28', measured: '0.31', met: true }
 */
export type Target = { what: string; goal: string; measured: string; met: boolean | null }

/**
 * The targets, judged on this run. Memory is judged on checkout's and the worker's peaks.
 *
 * @example
 * targets(h, results).filter((t) => t.met === false)
 */
export function targets(h: Headline, results: readonly ScenarioResult[]): Target[] {
  const atLeast = (what: string, value: number | null, goal: number, digits: number): Target => ({
    what,
    goal: `>= ${goal}`,
    measured: fixed(value, digits),
    met: value === null ? null : value >= goal,
  })
  const peakOf = (name: string) => {
    const peaks = results.flatMap((r) => r.processes.filter((p) => p.name === name))
    return peaks.length ? Math.max(...peaks.map((p) => p.peakRssMb)) : null
  }
  const memory = (name: string): Target => {
    const peak = peakOf(name)
    return {
      what: `${name} peak RSS (MB)`,
      goal: '< 200',
      measured: fixed(peak, 0),
      met: peak === null ? null : peak < 200,
    }
  }
  return [
    atLeast('stampede / bare', h.stampedeRatio, 0.28, 3),
    {
      what: 'stampede p99 (ms)',
      goal: '<= 10',
      measured: fixed(h.p99Ms, 2),
      met: h.p99Ms === null ? null : h.p99Ms <= 10,
    },
    atLeast('sold-out / bare', h.soldoutRatio, 0.7, 3),
    atLeast('gateway / stampede', h.gatewayRatio, 0.75, 3),
    {
      what: 'gateway p99 (ms)',
      goal: '<= 15',
      measured: fixed(h.gatewayP99Ms, 2),
      met: h.gatewayP99Ms === null ? null : h.gatewayP99Ms <= 15,
    },
    atLeast('stampede / lock-baseline', h.lockRatio, 10, 1),
    atLeast('drain (orders/s, one worker)', h.drainOps, 5000, 0),
    memory('checkout'),
    memory('worker'),
    { what: 'oversell', goal: '0', measured: String(h.oversell), met: h.oversell === 0 },
    { what: 'orders lost', goal: '0', measured: String(h.lost), met: h.lost === 0 },
    {
      what: 'double charges',
      goal: '0',
      measured: String(h.doubleCharges),
      met: h.doubleCharges === 0,
    },
    {
      what: 'charges kept for orders that did not keep their units',
      goal: '0',
      measured: String(h.keptCharges),
      met: h.keptCharges === 0,
    },
  ]
}
