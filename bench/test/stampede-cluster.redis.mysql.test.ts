import { expect, it } from 'bun:test'
import { onCluster } from '../stampede-cluster/run.ts'
import { shortLoad } from './short-load.ts'

/** A short load: two seconds, a few connections, a few buyers, no warm-up. */
const ctx = shortLoad('bench-stampede-cluster-', 2)

it('runs the stampede on a 3-master Redis Cluster, selling in every partition with nothing oversold or lost', async () => {
  const result = await onCluster(ctx)
  expect(result.error).toBeUndefined()
  expect(result.verdict).toMatchObject({ ok: true, oversold: 0, lost: 0, problems: [] })
  // Every partition, so every master, took orders: the load was spread, not sent to one sale.
  for (const partition of [0, 1, 2])
    expect(Number(result.facts[`sold_partition_${partition}`])).toBeGreaterThan(0)
  expect(result.load?.statuses['202']).toBeGreaterThan(0)
  // Each master is its own row of the report, beside checkout.
  expect(result.processes.map((p) => p.name)).toEqual(
    expect.arrayContaining([
      'checkout',
      'redis master 1 (partition 0)',
      'redis master 2 (partition 1)',
      'redis master 3 (partition 2)',
    ]),
  )
}, 120_000)
