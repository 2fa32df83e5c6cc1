/**
 * `stampede-cluster-kill`: the cluster stampede with a worker behind
 * checkout, and one master (partition 1's) killed with SIGKILL 2.5 s into
 * the measured run, three times: started again on its folder three seconds
 * later with its append-only file (a crash; the worker checks the
 * partition against MySQL), without it (a lost disk; the worker rebuilds
 * the partition from MySQL), and with one replica per master, which takes
 * over (a failover). What is measured: how many requests got 503 (or no
 * answer) meanwhile, the pace before the kill and once the partition is
 * current again, how long that took, and that nothing was oversold or lost
 * once the worker had settled every order in MySQL, but for the orders
 * checkout's ledger counts lost with the file or the replica's lag.
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

/** What happens to partition 1's master. */
export type Fault = 'crash' | 'lost-disk' | 'failover'

const faults: Record<Fault, { name: string; summary: string; replicas: 0 | 1 }> = {
  crash: {
    name: 'master-killed',
    summary: `killed (SIGKILL) 2.5 s in, restarted ${DOWN_MS / 1000} s later`,
    replicas: 0,
  },
  'lost-disk': {
    name: 'master-lost',
    summary: `killed (SIGKILL) 2.5 s in, restarted without its append-only file ${DOWN_MS / 1000} s later`,
    replicas: 0,
  },
  failover: {
    name: 'master-failover',
    summary:
      'killed (SIGKILL) 2.5 s in; its replica takes over (one replica per master), then it restarts as a replica',
    replicas: 1,
  },
}

/**
 * Three times, each on a cluster of its own: the master restarts with its
 * append-only file (a crash: nothing is lost), without it (a lost disk:
 * the worker rebuilds the partition from MySQL), and with a replica per
 * master that takes over (a failover: what the replica had not received
 * is lost). `--quick` runs the crash only.
 *
 * @example
 * const [killed, lost, failover] = await runStampedeClusterKill(ctx) // killed.facts.answers_503
 */
export async function runStampedeClusterKill(ctx: ScenarioContext): Promise<ScenarioResult[]> {
  // Each run lasts at least 15 s of load plus its drain: --quick keeps only the crash.
  const runs: Fault[] = ctx.options.quick ? ['crash'] : ['crash', 'lost-disk', 'failover']
  const results: ScenarioResult[] = []
  for (const fault of runs) results.push(await killRun(ctx, fault))
  return results
}

/**
 * One stampede with the fault, on a fresh 3-master cluster. `seconds`
 * shortens the load (a test): the fault and the recovery then go on after
 * it, and the pace after them reads 0.
 *
 * @example
 * const killed = await killRun(ctx, 'crash')
 */
export async function killRun(
  ctx: ScenarioContext,
  fault: Fault,
  { seconds }: { seconds?: number } = {},
): Promise<ScenarioResult> {
  const { name, summary, replicas } = faults[fault]
  const logDir = join(ctx.logDir, name)
  mkdirSync(logDir, { recursive: true })
  await using cluster = await startRedisCluster({
    masters: MASTERS,
    replicasPerMaster: replicas,
    dir: tmpdir(),
  })
  return await spreadStampede(ctx, {
    name: `stampede-cluster:${name}`,
    summary: `the cluster stampede with a worker; master ${VICTIM + 1} (partition ${VICTIM}) ${summary}`,
    partitions: MASTERS,
    // Room for the pace before, the kill, the outage, the recovery (~8 s) and the pace after.
    seconds: seconds ?? Math.max(ctx.options.seconds, 15),
    pipeline: true,
    stack: {
      logDir,
      redis: {
        url: cluster.url,
        servers: cluster.nodes.map((node, i) => ({
          name: `${nodeName(i)}${i === VICTIM ? ', killed: CPU until the kill' : ''}`,
          pid: node.pid,
        })),
      },
    },
    during: killAndRestart(cluster, logDir, fault),
    // Redis lost orders' stream entries (the file, or what the replica had not received): MySQL is the record.
    ordersIn: fault === 'crash' ? 'stream' : 'mysql',
    settled: async () => {
      const ledger = await ledgerLine(join(logDir, 'checkout.log'))
      const facts = { checkout_ledger: ledger.line }
      // With the file kept nothing may be missing: a lost order there is a fault, never excused.
      if (fault === 'crash') {
        const why = "orders checkout's ledger counted lost, with the master's append-only file kept"
        return { facts, lost: { count: ledger.lost, why } }
      }
      const why =
        fault === 'lost-disk'
          ? "lost with the master's append-only file, counted by checkout's ledger"
          : "not yet on the replica when it took over, counted by checkout's ledger"
      return { facts, excused: { count: ledger.lost, why } }
    },
  })
}

/** Node i of startRedisCluster: masters first, then replica j of master j mod MASTERS. */
function nodeName(i: number): string {
  return i < MASTERS
    ? `redis master ${i + 1} (partition ${i})`
    : `redis replica of master ${(i % MASTERS) + 1}`
}

/**
 * Kills the victim, restarts it, and times the way back (the scenario's
 * facts). For a lost disk its append-only files are deleted while it is
 * down: it comes back with its slots (nodes.conf) and no data, and the
 * worker must rebuild the partition from MySQL. For a failover it stays
 * down until its replica has taken over, then comes back as a replica.
 */
function killAndRestart(cluster: RedisCluster, logDir: string, fault: Fault): DuringLoad {
  const workerLog = join(logDir, 'worker.log')
  return async (stack, sold) => {
    const victim = cluster.nodes[VICTIM]
    if (!victim) throw new Error(`the cluster has no node ${VICTIM}`)
    const dir = await dataDir(victim.port)
    const before = await rate(sold)
    const killedAt = performance.now()
    await victim.kill()
    const { redis, space } = stack.fixture.redis
    // Polled from the kill on: after a failover the partition can be current before the restart.
    // Settled either way, so a failure elsewhere meanwhile leaves no unhandled rejection.
    const current = waitFor(
      async () => (await readGeneration(redis, space, VICTIM)).state === 'current',
      { what: `partition ${VICTIM} current again`, timeoutMs: 60_000, intervalMs: 50 },
    ).then(
      () => ({ at: performance.now() }),
      (error: unknown) => ({ error }),
    )
    if (fault === 'lost-disk') rmSync(join(dir, 'appendonlydir'), { recursive: true, force: true })
    const failoverMs = fault === 'failover' ? await tookOver(cluster, killedAt) : undefined
    // The outage's length is the scenario's setting, not a wait for anything: the master stays down this long.
    await Bun.sleep(Math.max(0, DOWN_MS - (performance.now() - killedAt)))
    await victim.restart()
    const restartedAt = performance.now()
    await cluster.waitUntilHealthy()
    const healthyAt = performance.now()
    const back = await current
    if ('error' in back) throw back.error
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
      ...(failoverMs === undefined ? {} : { replica_master_ms_after_kill: failoverMs }),
      down_ms: Math.round(restartedAt - killedAt),
      cluster_ok_ms_after_restart: Math.round(healthyAt - restartedAt),
      partition_current_ms_after_kill: Math.round(back.at - killedAt),
      worker_recovery: recovery.join(' / ') || 'no recovery line in the worker log',
    }
  }
}

/** Units sold per second over the next RATE_MS: the load's pace at this point of the run. */
async function rate(sold: () => Promise<number>): Promise<number> {
  const first = await sold()
  const from = performance.now()
  // A pace is a count over a span of time: the span is the measurement, not a wait.
  await Bun.sleep(RATE_MS)
  return Math.round(((await sold()) - first) / ((performance.now() - from) / 1000))
}

/** Waits until the victim's replica says it is a master; ms since the kill. */
async function tookOver(cluster: RedisCluster, killedAt: number): Promise<number> {
  const replica = cluster.nodes[VICTIM + MASTERS]
  if (!replica) throw new Error(`the cluster has no replica of node ${VICTIM}`)
  const node = connectRedis(`redis://127.0.0.1:${replica.port}`, { name: 'bench-kill' })
  try {
    await waitFor(async () => /role:master/.test(await node.info('replication')), {
      what: `the replica of master ${VICTIM + 1} taking over`,
      timeoutMs: 30_000,
      intervalMs: 50,
    })
    return Math.round(performance.now() - killedAt)
  } finally {
    node.disconnect()
  }
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
