import { describe, expect, it } from 'bun:test'
import { judge, judgeSales, type SaleTally, totals } from '../lib/correctness.ts'
import { headline, headlineLine, targets } from '../lib/summary.ts'

/** A sellout that went right: 100 units, 97 answers seen before wrk's deadline, all drained. */
const clean: SaleTally = {
  quantity: 100,
  stockLeft: 0,
  lowestStock: 0,
  orders: 100,
  accepted: 97,
  persisted: 100,
  payments: { charges: 100, distinctOrders: 100 },
  keptCharges: 0,
  processingCharges: 0,
}

/** The same sale with `extra` units sold past zero, each with its order, drained and charged. */
const oversold = (extra: number): SaleTally => ({
  ...clean,
  stockLeft: -extra,
  lowestStock: -extra,
  orders: 100 + extra,
  persisted: 100 + extra,
  payments: { charges: 100 + extra, distinctOrders: 100 + extra },
})

describe('judge', () => {
  it('passes a correct sale, counting the answers cut off by the deadline as no fault', () => {
    expect(judge(clean)).toEqual({
      tally: clean,
      sold: 100,
      cutOff: 3,
      oversold: 0,
      lost: 0,
      doubleCharges: 0,
      keptCharges: 0,
      problems: [],
      ok: true,
    })
  })

  it('catches an oversell: stock below zero and more orders than units', () => {
    const verdict = judge(oversold(2))
    expect(verdict.ok).toBe(false)
    expect(verdict.oversold).toBe(2)
    expect(verdict.lost).toBe(0)
  })

  it('catches an oversell seen only while the load ran', () => {
    expect(judge({ ...clean, lowestStock: -1 })).toMatchObject({ ok: false, oversold: 1 })
  })

  it('catches orders queued without a unit taken from stock', () => {
    expect(judge({ ...clean, stockLeft: 5, orders: 100, persisted: 100 })).toMatchObject({
      ok: false,
      oversold: 5,
    })
  })

  it('catches a lost order: a unit left stock but no order was queued', () => {
    const verdict = judge({
      ...clean,
      orders: 99,
      accepted: 97,
      persisted: 99,
      payments: { charges: 99, distinctOrders: 99 },
    })
    expect(verdict).toMatchObject({ ok: false, lost: 1, oversold: 0 })
  })

  it('catches a 202 answered for an order that does not exist', () => {
    expect(judge({ ...clean, accepted: 101 })).toMatchObject({ ok: false, lost: 1 })
  })

  it('catches a lost order: accepted but never written to MySQL', () => {
    const verdict = judge({
      ...clean,
      persisted: 98,
      payments: { charges: 98, distinctOrders: 98 },
    })
    expect(verdict).toMatchObject({ ok: false, lost: 2, oversold: 0, doubleCharges: 0 })
    expect(verdict.problems).toEqual(['2 orders never reached MySQL'])
  })

  it('catches a double charge', () => {
    expect(judge({ ...clean, payments: { charges: 101, distinctOrders: 100 } })).toMatchObject({
      ok: false,
      doubleCharges: 1,
    })
  })

  it('catches a charge kept for a failed order: the units went back, the money did not', () => {
    const verdict = judge({ ...clean, keptCharges: 1 })
    expect(verdict).toMatchObject({ ok: false, keptCharges: 1, lost: 0, doubleCharges: 0 })
    expect(verdict.problems).toEqual(['1 charges kept for orders that did not keep their units'])
  })

  it('catches a charge still processing once the orders settled', () => {
    const verdict = judge({ ...clean, processingCharges: 2 })
    expect(verdict).toMatchObject({ ok: false, keptCharges: 0 })
    expect(verdict.problems).toEqual(['2 charges still processing after settling'])
  })
})

describe('judgeSales: several sales under one load, the 202s counted together', () => {
  const sale = (label: string, sold: number) => ({
    label,
    quantity: 1000,
    stockLeft: 1000 - sold,
    orders: sold,
  })

  it('passes sales whose orders cover every 202, counting the rest as cut off', () => {
    const verdict = judgeSales([sale('partition 0', 40), sale('partition 1', 60)], 97)
    expect(verdict).toMatchObject({ ok: true, sold: 100, cutOff: 3, oversold: 0, lost: 0 })
    expect(verdict.tally).toMatchObject({
      quantity: 2000,
      stockLeft: 1900,
      orders: 100,
      accepted: 97,
    })
  })

  it('catches one sale oversold even when another sale lost as many orders', () => {
    const verdict = judgeSales(
      [
        { ...sale('partition 0', 50), orders: 51 },
        { ...sale('partition 1', 50), orders: 49 },
      ],
      100,
    )
    expect(verdict).toMatchObject({ ok: false, oversold: 1, lost: 1 })
    expect(verdict.problems).toEqual([
      'partition 0: 1 orders without a unit taken from stock',
      'partition 1: 1 units left stock without an order',
    ])
  })

  it('catches more 202s than orders in all the sales together', () => {
    const verdict = judgeSales([sale('partition 0', 40), sale('partition 1', 60)], 102)
    expect(verdict).toMatchObject({ ok: false, lost: 2 })
    expect(verdict.problems).toEqual(['2 answers 202 without an order in any sale'])
  })
})

describe('the summary line', () => {
  it('reports oversell, lost orders and kept charges from every scenario', () => {
    const verdicts = [
      judge(clean),
      judge(oversold(1)),
      judge({ ...clean, persisted: 99 }),
      judge({ ...clean, keptCharges: 2 }),
      judge({ ...clean, keptCharges: 1 }),
    ]
    expect(totals(verdicts)).toEqual({
      oversold: 1,
      lost: 1,
      doubleCharges: 0,
      keptCharges: 3,
      ok: false,
    })
    const results = verdicts.map((verdict, i) => ({
      name: `s${i}`,
      summary: '',
      processes: [],
      facts: {},
      commands: [],
      verdict,
    }))
    expect(headlineLine(headline(results))).toEndWith(
      'drain_ops=n/a gateway_ratio=n/a gateway_p99_ms=n/a gateway_remote_ratio=n/a oversell=1 lost=1 kept_charges=3',
    )
    const row = targets(headline(results), results).find(
      (t) => t.what === 'charges kept for orders that did not keep their units',
    )
    expect(row).toEqual({
      what: 'charges kept for orders that did not keep their units',
      goal: '0',
      measured: '3',
      met: false,
    })
  })
})

describe('the gateway figures', () => {
  const run = (name: string, rps: number, p99: number) => ({
    name,
    summary: '',
    processes: [],
    facts: {},
    commands: [],
    load: {
      driver: 'wrk' as const,
      seconds: 10,
      requests: rps * 10,
      rps,
      latencyMs: { p50: 1, p90: 2, p99, max: p99 },
      statuses: { '202': rps * 10 },
      errors: {},
    },
  })

  it('judges the gateway against the direct stampede of the same run', () => {
    const results = [
      run('stampede', 10_000, 8),
      run('gateway', 7_600, 14),
      run('gateway-remote', 4_000, 30),
    ]
    const h = headline(results)
    expect(headlineLine(h)).toContain(
      'gateway_ratio=0.760 gateway_p99_ms=14.00 gateway_remote_ratio=0.400',
    )
    const judged = targets(h, results)
    expect(judged.find((t) => t.what === 'gateway / stampede')).toMatchObject({ met: true })
    expect(judged.find((t) => t.what === 'gateway p99 (ms)')).toMatchObject({ met: true })
    const slow = targets(headline([run('stampede', 10_000, 8), run('gateway', 7_000, 16)]), [])
    expect(slow.find((t) => t.what === 'gateway / stampede')).toMatchObject({ met: false })
    expect(slow.find((t) => t.what === 'gateway p99 (ms)')).toMatchObject({ met: false })
  })
})
