/**
 * `stampede-cluster-kill`: the cluster stampede with a worker behind
 * checkout, and one master (partition 1's) killed with SIGKILL 2.5 s into
 * the measured run and started again on its folder three seconds later, as
 * a supervisor would: once with its append-only file (a crash; the worker
 * checks the partition against MySQL), once without it (a lost disk; the
 * worker rebuilds the partition from MySQL). What is measured: how many
 * requests got 503 (or no answer) meanwhile, the pace before the kill and
 * once the partition is current again, how long that took, and that
 * nothing was oversold or lost once the worker had settled every order in
 * MySQL, but for the orders checkout's ledger counts lost with the file.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RedisCluster, startRedisCluster } from '@flash/devstack'
import { connectRedis, readGeneration } from '@flash/redis'
import { waitFor } from '@flash/testing'
import type { ScenarioContext, ScenarioResult } from '../lib/scenario.ts'
import { type DuringLoad, spreadStampede } from './spread.ts'

const MASTERS = 3
/** Partition 1 lives on master 2 (partitionTag puts partition p in master p's slots). */
const VICTIM = 1
/** Longer than the cluster's node timeout (2 s): the other masters see it fail. */
const DOWN_MS = 3_000
/** How long the pace is measured before the kill and after the recovery. */
const RATE_MS = 1_500

/**
 * Twice, each on a cluster of its own: the master restarts with its
 * append-only file (a crash: nothing is lost), then without it (a lost
 * disk: the worker rebuilds the partition from MySQL).
 *
 * @example
 * const [killed, lost] = await runStampedeClusterKill(ctx) // killed.facts.answers_503
 */
export async function runStampedeClusterKill(ctx: ScenarioContext): Promise<ScenarioResult[]> {
  return [
    await killRun(ctx, { name: 'master-killed', loseAof: false }),
    await killRun(ctx, { name: 'master-lost', loseAof: true }),
  ]
}

/**
 * One stampede with the kill, on a fresh 3-master cluster.
 *
 * @example
 * const killed = await killRun(ctx, { name: 'master-killed', loseAof: false })
 */
export async function killRun(
  ctx: ScenarioContext,
  { name, loseAof }: { name: string; loseAof: boolean },
): Promise<ScenarioResult> {
  const logDir = join(ctx.logDir, name)
  mkdirSync(logDir, { recursive: true })
  await using cluster = await startRedisCluster({ masters: MASTERS, dir: tmpdir() })
  const restart = loseAof ? 'restarted without its append-only file' : 'restarted'
  return await spreadStampede(ctx, {
    name: `stampede-cluster:${name}`,
    summary: `the cluster stampede with a worker; master ${VICTIM + 1} (partition ${VICTIM}) killed (SIGKILL) 2.5 s in, ${restart} ${DOWN_MS / 1000} s later`,
    partitions: MASTERS,
    // Room for the pace before, the kill, the outage, the recovery (~8 s) and the pace after.
    seconds: Math.max(ctx.options.seconds, 15),
    pipeline: true,
    stack: {
      logDir,
      redis: {
        url: cluster.url,
        servers: cluster.nodes.map((node, i) => ({
          name: `redis master ${i + 1} (partition ${i})${i === VICTIM ? ', killed: CPU until the kill' : ''}`,
          pid: node.pid,
        })),
      },
    },
    during: killAndRestart(cluster, logDir, { loseAof }),
    // A lost append-only file takes the partition's stream with it: MySQL is the record then.
    ordersIn: loseAof ? 'mysql' : 'stream',
    settled: async () => {
      const ledger = await ledgerLine(join(logDir, 'checkout.log'))
      const facts = { checkout_ledger: ledger.line }
      // With the file kept nothing may be missing: a lost order there is a fault, never excused.
      if (!loseAof) return { facts }
      const why = "lost with the master's append-only file, counted by checkout's ledger"
      return { facts, excused: { count: ledger.lost, why } }
    },
  })
}

/**
 * Kills the victim, restarts it, and times the way back (the scenario's
 * facts). With `loseAof` its append-only files are deleted while it is
 * down: it comes back with its slots (nodes.conf) and no data, as after a
 * lost disk, and the worker must rebuild the partition from MySQL.
 */
function killAndRestart(
  cluster: RedisCluster,
  logDir: string,
  { loseAof }: { loseAof: boolean },
): DuringLoad {
  const workerLog = join(logDir, 'worker.log')
  return async (stack, sold) => {
    const victim = cluster.nodes[VICTIM]
    if (!victim) throw new Error(`the cluster has no node ${VICTIM}`)
    const dir = await dataDir(victim.port)
    const before = await rate(sold)
    const killedAt = performance.now()
    await victim.kill()
    if (loseAof) rmSync(join(dir, 'appendonlydir'), { recursive: true, force: true })
    await Bun.sleep(DOWN_MS)
    await victim.restart()
    const restartedAt = performance.now()
    await cluster.waitUntilHealthy()
    const healthyAt = performance.now()
    const { redis, space } = stack.fixture.redis
    await waitFor(async () => (await readGeneration(redis, space, VICTIM)).state === 'current', {
      what: `partition ${VICTIM} current again`,
      timeoutMs: 60_000,
      intervalMs: 50,
    })
    const currentAt = performance.now()
    // The worker logs its recovery right after the stamp: wait for the line too.
    const recoveryLines = async () =>
      (await Bun.file(workerLog).text())
        .split('\n')
        .filter((line) => line.includes(`[recovery] partition ${VICTIM}`))
    const recovery = await waitFor(
      async () => {
        const lines = await recoveryLines()
        return lines.length > 0 ? lines : undefined
      },
      { what: `the worker's recovery line for partition ${VICTIM}`, timeoutMs: 10_000 },
    ).catch(() => [])
    const after = await rate(sold)
    return {
      'units/s before the kill': before,
      'units/s once the partition is current': after,
      down_ms: Math.round(restartedAt - killedAt),
      cluster_ok_ms_after_restart: Math.round(healthyAt - restartedAt),
      partition_current_ms_after_restart: Math.round(currentAt - restartedAt),
      worker_recovery: recovery.join(' / ') || 'no recovery line in the worker log',
    }
  }
}

/** Units sold per second over the next RATE_MS: the load's pace at this point of the run. */
async function rate(sold: () => Promise<number>): Promise<number> {
  const first = await sold()
  const from = performance.now()
  await Bun.sleep(RATE_MS)
  return Math.round(((await sold()) - first) / ((performance.now() - from) / 1000))
}

/** Where a node keeps its files (its nodes.conf and append-only files). */
async function dataDir(port: number): Promise<string> {
  const node = connectRedis(`redis://127.0.0.1:${port}`, { name: 'bench-kill' })
  try {
    const [, dir] = (await node.config('GET', 'dir')) as [string, string]
    return dir
  } finally {
    node.disconnect()
  }
}

/**
 * Checkout's lost-order ledger after the partition's recovery: its line,
 * and how many orders it accepted that Redis lost with its data before the
 * order-writer stored them. It waits for the order-writer first, so the
 * line can come a while after the recovery.
 */
async function ledgerLine(checkoutLog: string): Promise<{ line: string; lost: number }> {
  const line = await waitFor(
    async () =>
      (await Bun.file(checkoutLog).text())
        .split('\n')
        .find((l) => l.includes(`partition ${VICTIM} was recovered`)),
    { what: "checkout's lost-order ledger line", timeoutMs: 90_000, intervalMs: 250 },
  )
  const lost = Number(/, (\d+) lost/.exec(line)?.[1])
  if (!Number.isInteger(lost)) throw new Error(`no count of lost orders in "${line}"`)
  return { line, lost }
}
