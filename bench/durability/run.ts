/**
 * `durability`: the stampede against a private redis-server with
 * `appendfsync always`, `everysec`, and no AOF, so the price of each is
 * visible. The shared Redis is never reconfigured.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type Fsync, startPrivateRedis } from '../lib/processes.ts'
import type { ScenarioContext, ScenarioResult } from '../lib/scenario.ts'
import { stampede } from '../stampede/run.ts'

const settings: { fsync: Fsync; summary: string }[] = [
  {
    fsync: 'always',
    summary:
      'AOF, fsync before every write is acknowledged: nothing lost on a Redis crash, nor on a machine crash if the disk honours fsync',
  },
  {
    fsync: 'everysec',
    summary:
      'AOF, fsync once a second: nothing lost on a Redis crash, up to about a second of orders on a machine crash',
  },
  { fsync: 'off', summary: 'no AOF, no snapshots: everything Redis holds lost when it restarts' },
]

/**
 * @example
 * const [always, everysec, off] = await runDurability(ctx)
 */
export async function runDurability(ctx: ScenarioContext): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = []
  for (const { fsync, summary } of settings) {
    const logDir = join(ctx.logDir, fsync)
    mkdirSync(logDir, { recursive: true })
    await using redis = await startPrivateRedis(fsync, logDir)
    results.push(
      await stampede(ctx, {
        name: `durability/${fsync}`,
        summary: `the stampede on a private Redis: ${summary}`,
        stack: {
          logDir,
          redis: { url: redis.url, servers: [{ name: redis.name, pid: redis.pid }] },
        },
      }),
    )
  }
  // The append-only files' writes still queued in the kernel would otherwise
  // be flushed during the next scenario, on its CPU time.
  Bun.spawnSync(['sync'])
  return results
}
