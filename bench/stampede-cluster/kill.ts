/**
 * `stampede-cluster-kill`: the cluster stampede with a worker behind
 * checkout, and one master (partition 1's) killed with SIGKILL 2.5 s into
 * the measured run and started again on its folder three seconds later, as
 * a supervisor would. What is measured: how many requests got 503 (or no
 * answer) meanwhile, the pace before the kill and once the worker's
 * recovery made the partition current again, how long that took, and that
 * nothing was oversold or lost once the worker had settled every order in
 * MySQL.
 */
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RedisCluster, startRedisCluster } from '@flash/devstack'
import { readGeneration } from '@flash/redis'
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
 * @example
 * const [killed] = await runStampedeClusterKill(ctx) // killed.facts.answers_503
 */
export async function runStampedeClusterKill(ctx: ScenarioContext): Promise<ScenarioResult[]> {
  const logDir = join(ctx.logDir, 'kill')
  mkdirSync(logDir, { recursive: true })
  await using cluster = await startRedisCluster({ masters: MASTERS, dir: tmpdir() })
  return [
    await spreadStampede(ctx, {
      name: 'stampede-cluster:master-killed',
      summary: `the cluster stampede with a worker; master ${VICTIM + 1} (partition ${VICTIM}) killed (SIGKILL) 2.5 s in, restarted ${DOWN_MS / 1000} s later`,
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
      during: killAndRestart(cluster, join(logDir, 'worker.log')),
    }),
  ]
}

/** Kills the victim, restarts it, and times the way back (the scenario's facts). */
function killAndRestart(cluster: RedisCluster, workerLog: string): DuringLoad {
  return async (stack, sold) => {
    const victim = cluster.nodes[VICTIM]
    if (!victim) throw new Error(`the cluster has no node ${VICTIM}`)
    const before = await rate(sold)
    const killedAt = performance.now()
    await victim.kill()
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
