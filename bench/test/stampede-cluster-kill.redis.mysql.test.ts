import { expect, it } from 'bun:test'
import { killRun } from '../stampede-cluster/kill.ts'
import { shortLoad } from './short-load.ts'

/** A light load. */
const ctx = shortLoad('bench-stampede-cluster-kill-', 1)
/** The kill comes 2.5 s in: the outage and the recovery outlast a 4 s load, under its last requests. */
const short = { seconds: 4 }

it('kills and restarts a master under the stampede; the worker makes its partition current again and every order reaches MySQL', async () => {
  const result = await killRun(ctx, 'crash', short)
  expect(result.error).toBeUndefined()
  // The restarted master's partition went through the worker's recovery: it was really killed.
  expect(String(result.facts.worker_recovery)).toContain('[recovery] partition 1')
  // A crash with the append-only file kept loses nothing: checkout's ledger finds every order.
  expect(String(result.facts.checkout_ledger)).toMatch(
    /partition 1 was recovered: \d+ orders .*, 0 lost$/,
  )
  expect(result.verdict).toMatchObject({ ok: true, oversold: 0, lost: 0, problems: [] })
  // Judged on MySQL too: every order placed was written there by the worker.
  expect(result.verdict?.tally.persisted).toBe(result.verdict?.tally.orders)
  for (const partition of [0, 1, 2])
    expect(Number(result.facts[`sold_partition_${partition}`])).toBeGreaterThan(0)
}, 180_000)

it('restarts a killed master without its append-only file; the worker rebuilds its partition from MySQL and only the orders checkout counted lost are missing', async () => {
  const result = await killRun(ctx, 'lost-disk', short)
  expect(result.error).toBeUndefined()
  expect(String(result.facts.worker_recovery)).toContain(
    '[recovery] partition 1 rebuilt from MySQL',
  )
  expect(String(result.facts.checkout_ledger)).toMatch(/partition 1 was recovered: \d+ orders/)
  // No oversell (stock rebuilt from MySQL's orders), and every 202 not in MySQL is one the ledger counted.
  expect(result.verdict).toMatchObject({ ok: true, oversold: 0, lost: 0, problems: [] })
  expect(result.verdict?.tally.persisted).toBe(result.verdict?.sold)
  expect(Number(result.facts.sold_partition_1)).toBeGreaterThan(0)
}, 180_000)

it('fails a master over to its replica under the stampede; the worker checks the partition on its new master and only the orders checkout counted lost are missing', async () => {
  const result = await killRun(ctx, 'failover', short)
  expect(result.error).toBeUndefined()
  expect(Number(result.facts.replica_master_ms_after_kill)).toBeGreaterThan(0)
  // A new master is another server: its marker is stale until the worker's recovery.
  expect(String(result.facts.worker_recovery)).toContain('[recovery] partition 1')
  expect(result.verdict).toMatchObject({ ok: true, oversold: 0, lost: 0, problems: [] })
  expect(result.verdict?.tally.persisted).toBe(result.verdict?.sold)
}, 180_000)
