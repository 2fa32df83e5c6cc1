/**
 * `stampede-cluster`: the stampede over three sales, one per partition
 * (REDIS_PARTITIONS=3), first against one private redis-server, then against
 * a private Redis Cluster of three masters (one partition each), in the same
 * run and with the same settings, so cluster / single says what spreading
 * the partitions over masters buys on this machine. Both Redis setups run
 * the project's durable settings (AOF, everysec); the shared Redis is never
 * touched.
 */
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRedisCluster } from '@flash/devstack'
import { startPrivateRedis } from '../lib/processes.ts'
import type { ScenarioContext, ScenarioResult } from '../lib/scenario.ts'
import { spreadStampede } from './spread.ts'

/** One partition per master: partition p's hash tag falls in master p's slots (see partitionTag). */
const MASTERS = 3

/**
 * @example
 * const [single, cluster] = await runStampedeCluster(ctx) // cluster.facts.ratio_to_single: '1.10'
 */
export async function runStampedeCluster(ctx: ScenarioContext): Promise<ScenarioResult[]> {
  const single = await onOneServer(ctx)
  const cluster = await onCluster(ctx)
  const singleRps = single.load?.rps ?? 0
  const clusterRps = cluster.load?.rps ?? 0
  const ratio = singleRps > 0 ? clusterRps / singleRps : 0
  console.log(
    `  stampede-cluster: ${Math.round(clusterRps)} req/s on ${MASTERS} masters, ` +
      `${Math.round(singleRps)} on one server: ${ratio.toFixed(2)}×`,
  )
  return [
    single,
    {
      ...cluster,
      facts: {
        ...cluster.facts,
        rps_single: Math.round(singleRps),
        rps_cluster: Math.round(clusterRps),
        ratio_to_single: ratio.toFixed(2),
      },
    },
  ]
}

/**
 * The baseline: the same three partitions on one redis-server.
 *
 * @example
 * const single = await onOneServer(ctx)
 */
export async function onOneServer(ctx: ScenarioContext): Promise<ScenarioResult> {
  const logDir = subfolder(ctx, 'single')
  await using redis = await startPrivateRedis('everysec', logDir)
  // Awaited here, so the server outlives the load (`await using` ends with the function).
  return await spreadStampede(ctx, {
    name: 'stampede-cluster:single',
    summary: `the stampede over ${MASTERS} sales in ${MASTERS} partitions on one private redis-server (the baseline)`,
    partitions: MASTERS,
    stack: {
      logDir,
      redis: { url: redis.url, servers: [{ name: 'redis-server', pid: redis.pid }] },
    },
  })
}

/**
 * The same load on a private cluster of three masters, one partition each.
 *
 * @example
 * const cluster = await onCluster(ctx)
 */
export async function onCluster(ctx: ScenarioContext): Promise<ScenarioResult> {
  const logDir = subfolder(ctx, 'cluster')
  await using cluster = await startRedisCluster({ masters: MASTERS, dir: tmpdir() })
  // Awaited here, so the server outlives the load (`await using` ends with the function).
  return await spreadStampede(ctx, {
    name: 'stampede-cluster:cluster',
    summary: `the stampede over ${MASTERS} sales in ${MASTERS} partitions on a private Redis Cluster of ${MASTERS} masters, one partition each`,
    partitions: MASTERS,
    stack: {
      logDir,
      redis: {
        url: cluster.url,
        servers: cluster.nodes.map((node, i) => ({
          name: `redis master ${i + 1} (partition ${i})`,
          pid: node.pid,
        })),
      },
    },
  })
}

function subfolder(ctx: ScenarioContext, name: string): string {
  const dir = join(ctx.logDir, name)
  mkdirSync(dir, { recursive: true })
  return dir
}
