/**
 * `bun run bench`: every scenario on this machine, side by side, each on its
 * own database, key prefix and ports, with correctness checked in every run;
 * writes bench/results/<timestamp>/{report.md, chart.svg, results.json, logs/}
 * and prints one machine-readable line last.
 *
 *   bun run bench                       # full: 10 s per load (minutes)
 *   bun run bench --quick               # under two minutes
 *   bun run bench --only=bare,stampede  # some scenarios (also --seconds=N --connections=N --no-oha)
 *   bun run bench --only=stampede-n --checkout-processes=2  # N checkout processes against one
 *   bun run bench --only=stampede-cluster --seconds=5        # 3 partitions: one Redis, then 3 masters
 *   bun run bench --only=stampede-buckets --seconds=5        # one hot sale on 3 masters: unsplit, then in 3 buckets
 *   bun run bench --only=stampede-cluster-kill --seconds=5   # a master killed: crash, lost disk, failover
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { findOrStartServices } from '../scripts/lib/services.ts'
import { runBare } from './bare/run.ts'
import { runDrain } from './drain/run.ts'
import { runDurability } from './durability/run.ts'
import { runGateway, runGatewayRemote } from './gateway/run.ts'
import { chart } from './lib/chart.ts'
import { describeMachine } from './lib/machine.ts'
import { parseOptions, type ScenarioName, scenarioNames } from './lib/options.ts'
import { report } from './lib/report.ts'
import type { ScenarioContext, ScenarioResult } from './lib/scenario.ts'
import { headline, headlineLine, targets } from './lib/summary.ts'
import { runLockBaseline } from './lock-baseline/run.ts'
import { runSellout } from './sellout/run.ts'
import { runSoldOut } from './sold-out/run.ts'
import { runStampede } from './stampede/run.ts'
import { runStampedeBuckets } from './stampede-cluster/buckets.ts'
import { runStampedeClusterKill } from './stampede-cluster/kill.ts'
import { runStampedeCluster } from './stampede-cluster/run.ts'
import { runStampedeN } from './stampede-n/run.ts'

const runners: Record<ScenarioName, (ctx: ScenarioContext) => Promise<ScenarioResult[]>> = {
  bare: runBare,
  stampede: runStampede,
  'sold-out': runSoldOut,
  sellout: runSellout,
  'lock-baseline': runLockBaseline,
  drain: runDrain,
  durability: runDurability,
  gateway: runGateway,
  'gateway-remote': runGatewayRemote,
  'stampede-n': runStampedeN,
  'stampede-cluster': runStampedeCluster,
  'stampede-buckets': runStampedeBuckets,
  'stampede-cluster-kill': runStampedeClusterKill,
}

const args = Bun.argv.slice(2)
const options = parseOptions(args)
if (!Bun.which('wrk')) {
  console.error('bench: wrk is not installed (apt-get install wrk); it drives every scenario')
  process.exit(1)
}
const ohaAvailable = options.oha && Bun.which('oha') !== null
const startedAt = new Date()
const dir = join(
  import.meta.dir,
  'results',
  startedAt.toISOString().slice(0, 19).replaceAll(':', '-'),
)
mkdirSync(join(dir, 'logs'), { recursive: true })
const command = `bun run bench${args.length ? ` ${args.join(' ')}` : ''}`
console.log(
  `${command}: ${options.seconds} s per load, ${options.connections} connections, ` +
    `oha ${ohaAvailable ? 'on PATH: cross-checks where it can drive' : 'not used'}; results in ${dir}`,
)

const services = await findOrStartServices((line) => console.log(`[services] ${line}`))
// testDatabase() and testRedis() read these: each scenario's data goes to these servers.
Bun.env.DATABASE_URL = services.databaseUrl
Bun.env.REDIS_URL = services.redisUrl
const machine = await describeMachine(services.redisUrl, services.databaseUrl)
console.log(
  `machine: ${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB; Bun ${machine.bun}, ` +
    `Redis ${machine.redis}, MySQL ${machine.mysql}, ${machine.wrk}`,
)

const results: ScenarioResult[] = []
for (const name of scenarioNames) {
  if (!options.only.has(name)) continue
  const logDir = join(dir, 'logs', name)
  mkdirSync(logDir, { recursive: true })
  console.log(`\n▶ ${name}`)
  const started = performance.now()
  try {
    results.push(...(await runners[name]({ options, logDir, ohaAvailable })))
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
    console.error(`  ${name} failed (logs in ${logDir}):\n${message}`)
    results.push({
      name,
      summary: 'did not finish',
      processes: [],
      facts: {},
      commands: [],
      error: message,
    })
  }
  console.log(`  ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`)
}
await services.stop()

const summary = headline(results)
await Bun.write(
  join(dir, 'report.md'),
  report({ startedAt, command, options, machine, results, headline: summary }),
)
await Bun.write(join(dir, 'chart.svg'), chart(results))
await Bun.write(
  join(dir, 'results.json'),
  JSON.stringify(
    { startedAt, options: { ...options, only: [...options.only] }, machine, results, summary },
    null,
    2,
  ),
)

console.log('\ntargets:')
const judged = targets(summary, results)
const width = Math.max(...judged.map((t) => t.what.length))
for (const t of judged)
  console.log(
    `  ${t.met === null ? '-  ' : t.met ? 'ok ' : 'NO '} ${t.what.padEnd(width)} ${t.goal.padEnd(7)} ${t.measured}`,
  )
const failed = results.filter((r) => r.error).map((r) => r.name)
if (failed.length) console.log(`\nscenarios that did not finish: ${failed.join(', ')}`)
console.log(`\nreport: ${join(dir, 'report.md')}`)
console.log(headlineLine(summary))
process.exit(summary.correct && failed.length === 0 ? 0 : 1)
