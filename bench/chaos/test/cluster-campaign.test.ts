import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { runCampaign } from '../campaign.ts'
import { parseOptions } from '../options.ts'
import { formatReport, writeReport } from '../report.ts'

// Issue 18's campaign on a Redis Cluster: a private 3-master cluster (never the shared
// Redis) and MariaDB, every app on it with one partition per master, and one round of each
// Redis fault against a master the seed picks: killed and restarted from its append-only
// file, restarted with its data deleted, paused. CHAOS_SEED replays a failure.
test(
  'a short fault campaign on a Redis Cluster, a master killed and restarted, breaks no invariant',
  async () => {
    const options = parseOptions(
      [
        '--short',
        '--rounds=3',
        '--redis=cluster',
        '--faults=redis-kill-aof,redis-empty,redis-pause',
      ],
      Bun.env,
    )
    const result = await runCampaign(options, (line) => console.log(`[chaos cluster] ${line}`))
    await writeReport(result)
    console.log(formatReport(result))
    expect(result.anomalies.map((a) => `round ${a.round} ${a.invariant}: ${a.message}`)).toEqual([])
    // The three kinds once each (one shuffled deck), each against a master of the cluster.
    expect(result.rounds.map((r) => r.plan.kind).sort()).toEqual([
      'redis-empty',
      'redis-kill-aof',
      'redis-pause',
    ])
    for (const round of result.rounds) expect([0, 1, 2]).toContain(round.plan.redisNode as number)
    // The emptied master's partition (one per master) was rebuilt from MySQL after the fault,
    // besides the rebuild every partition gets when the stack starts on an empty cluster.
    const emptied = result.rounds.find((r) => r.plan.kind === 'redis-empty')?.plan.redisNode
    const workerLogs = await Promise.all(
      ['worker-1', 'worker-2'].map((name) =>
        Bun.file(join(result.runDir, 'logs', `${name}.log`)).text(),
      ),
    )
    const rebuilds =
      workerLogs.join('\n').split(`partition ${emptied} rebuilt from MySQL`).length - 1
    expect(rebuilds).toBeGreaterThanOrEqual(2)
    // Orders went through the cluster in every round, and were stored.
    for (const round of result.rounds) expect(round.accepted).toBeGreaterThan(0)
    expect(result.stored).toBeGreaterThan(0)
    // Each round also sold a sale split into one bucket per master, its units moved by the
    // worker's balancer (issue 18), and its buckets were checked against their allotments.
    const split = result.final?.split
    expect({ sales: split?.sales, buckets: split?.buckets }).toEqual({ sales: 3, buckets: 3 })
    expect(Object.values(split?.orders ?? {}).reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
  },
  { timeout: 300_000 },
)
