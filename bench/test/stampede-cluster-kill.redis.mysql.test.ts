import { afterAll, expect, it } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseOptions } from '../lib/options.ts'
import type { ScenarioContext } from '../lib/scenario.ts'
import { runStampedeClusterKill } from '../stampede-cluster/kill.ts'

const logDir = mkdtempSync(join(tmpdir(), 'bench-stampede-cluster-kill-'))
afterAll(() => rmSync(logDir, { recursive: true, force: true }))

/** A light load (the scenario runs at least 10 s: the kill, the outage and the recovery). */
const ctx: ScenarioContext = {
  options: {
    ...parseOptions(['--quick', '--seconds=1', '--connections=8', '--no-oha']),
    buyers: 200,
    warmupSeconds: 0,
  },
  logDir,
  ohaAvailable: false,
}

it('kills and restarts a master under the stampede; the worker makes its partition current again and every order reaches MySQL', async () => {
  const [result] = await runStampedeClusterKill(ctx)
  expect(result?.error).toBeUndefined()
  // The restarted master's partition went through the worker's recovery: it was really killed.
  expect(String(result?.facts.worker_recovery)).toMatch(/\[recovery\] partition 1(:| rebuilt)/)
  expect(Number(result?.facts.partition_current_ms_after_restart)).toBeGreaterThanOrEqual(0)
  expect(result?.verdict).toMatchObject({ ok: true, oversold: 0, lost: 0, problems: [] })
  // Judged on MySQL too: every order placed was written there by the worker.
  expect(result?.verdict?.tally.persisted).toBe(result?.verdict?.tally.orders)
  for (const partition of [0, 1, 2])
    expect(Number(result?.facts[`sold_partition_${partition}`])).toBeGreaterThan(0)
}, 180_000)
