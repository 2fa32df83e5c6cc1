/**
 * `stampede-buckets`: the whole stampede on one hot sale on a private Redis
 * Cluster of three masters (REDIS_PARTITIONS=3), first unsplit (every order
 * decided by one master's thread), then split into three buckets (one per
 * master; each buyer decided in its own bucket), in the same run and with
 * the same settings: split / unsplit says what buckets buy a hot sale here.
 */
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRedisCluster } from '@flash/devstack'
import type { ScenarioContext, ScenarioResult } from '../lib/scenario.ts'
import { spreadStampede } from './spread.ts'

const MASTERS = 3

/**
 * @example
 * const [unsplit, split] = await runStampedeBuckets(ctx) // split.facts.ratio_to_unsplit: '1.05'
 */
export async function runStampedeBuckets(ctx: ScenarioContext): Promise<ScenarioResult[]> {
  // A fresh cluster per run: the stacks share a key prefix, and each run is judged by its streams.
  const run = async (buckets: number, name: string, summary: string) => {
    const logDir = join(ctx.logDir, name)
    mkdirSync(logDir, { recursive: true })
    await using cluster = await startRedisCluster({ masters: MASTERS, dir: tmpdir() })
    const redis = {
      url: cluster.url,
      servers: cluster.nodes.map((node, i) => ({
        name: `redis master ${i + 1} (partition ${i})`,
        pid: node.pid,
      })),
    }
    // Awaited here, so the cluster outlives the load (`await using` ends with the function).
    return await spreadStampede(ctx, {
      name: `stampede-buckets:${name}`,
      summary,
      partitions: MASTERS,
      hotSale: { buckets },
      stack: { logDir, redis },
    })
  }
  const unsplit = await run(
    1,
    'unsplit',
    `one hot sale, unsplit, on a private Redis Cluster of ${MASTERS} masters: one master decides every order`,
  )
  const split = await run(
    MASTERS,
    'split',
    `the same hot sale split into ${MASTERS} buckets, one per master of a cluster like it`,
  )
  const unsplitRps = unsplit.load?.rps ?? 0
  const splitRps = split.load?.rps ?? 0
  const ratio = unsplitRps > 0 ? splitRps / unsplitRps : 0
  console.log(
    `  stampede-buckets: ${Math.round(splitRps)} req/s split over ${MASTERS} buckets, ` +
      `${Math.round(unsplitRps)} unsplit: ${ratio.toFixed(2)}×`,
  )
  return [
    unsplit,
    {
      ...split,
      facts: {
        ...split.facts,
        rps_unsplit: Math.round(unsplitRps),
        rps_split: Math.round(splitRps),
        ratio_to_unsplit: ratio.toFixed(2),
      },
    },
  ]
}
