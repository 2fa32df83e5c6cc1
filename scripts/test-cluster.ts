/**
 * `bun run test:cluster`: starts a local 3-master Redis Cluster (a fresh one
 * each run), runs the suites that exercise Redis against it with
 * `REDIS_URL=redis+cluster://...` (MySQL as `bun run test` finds it), stops
 * it, and ends with the same line as `bun run test`: `tests: N passed, N failed`.
 * Extra arguments replace the list of suites.
 */
import { mkdirSync } from 'node:fs'
import { defaults } from '@flash/config'
import { ensureMysql, startRedisCluster } from '@flash/devstack'
import { runBunTest } from './lib/junit.ts'
import { repoRoot } from './lib/services.ts'

/**
 * The Redis and stream suites, and the tests that count money and stock
 * through checkout and the worker: where a command that crosses slots, a
 * reader on the wrong node or a script missing on a node would show. The
 * fault tests with a cluster of their own (a master killed and restarted, a
 * failover) are in the Redis and stream suites; the fault campaign on a
 * cluster of its own (a master killed and restarted, emptied, paused) is in
 * bench/chaos.
 */
const suites = [
  'packages/redis/test',
  'packages/streams/test',
  'apps/checkout/test/stampede.redis.mysql.test.ts',
  'apps/checkout/test/stampede-buckets.redis.mysql.test.ts',
  'apps/checkout/test/sold-out-answers.redis.mysql.test.ts',
  'apps/checkout/test/idempotency-scope.redis.mysql.test.ts',
  'apps/checkout/test/cancel-return.redis.mysql.test.ts',
  'apps/checkout/test/read-order.redis.mysql.test.ts',
  'apps/checkout/test/lost-orders.redis.mysql.test.ts',
  'apps/worker/test/exact-money.redis.mysql.test.ts',
  'apps/worker/test/money-model.redis.mysql.test.ts',
  'apps/worker/test/money-model-buckets.redis.mysql.test.ts',
  'apps/worker/test/payments.redis.mysql.test.ts',
  'apps/worker/test/refunds.redis.mysql.test.ts',
  'apps/worker/test/split-partitions.redis.mysql.test.ts',
  'apps/worker/test/buckets.redis.mysql.test.ts',
  'apps/worker/test/order-writer-crash.redis.mysql.test.ts',
  'apps/worker/test/redis-recovery.redis.mysql.test.ts',
  'bench/chaos/test/cluster-campaign.test.ts',
]

const log = (line: string) => console.log(`[test:cluster] ${line}`)
const dataDir = `${repoRoot}.data`
mkdirSync(dataDir, { recursive: true })
const mysql = await ensureMysql(Bun.env.DATABASE_URL ?? defaults.databaseUrl, { dataDir, log })
const cluster = await startRedisCluster({ masters: 3, dir: `${dataDir}/clusters` })
log(`Redis Cluster up: ${cluster.url}`)

let counts: { exitCode: number; passed: number; failed: number }
try {
  counts = await runBunTest({
    paths: Bun.argv.length > 2 ? Bun.argv.slice(2) : suites,
    report: `${dataDir}/junit-cluster.xml`,
    cwd: repoRoot,
    env: { ...Bun.env, REDIS_URL: cluster.url, DATABASE_URL: mysql.url },
  })
} finally {
  await cluster.stop()
  await mysql.stop()
}

console.log(`tests: ${counts.passed} passed, ${counts.failed} failed`)
process.exit(counts.exitCode !== 0 || counts.failed > 0 || counts.passed === 0 ? 1 : 0)
