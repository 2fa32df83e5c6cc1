/**
 * `bun run test`: finds or starts Redis and MySQL, runs every test file with
 * bun's runner, and ends with one line CI reads: `tests: N passed, N failed`.
 * Each test file makes its own database and Redis key prefix (@flash/testing).
 */
import { mkdirSync } from 'node:fs'
import { runBunTest } from './lib/junit.ts'
import { findOrStartServices, repoRoot } from './lib/services.ts'

const services = await findOrStartServices((line) => console.log(`[services] ${line}`))
mkdirSync(`${repoRoot}.data`, { recursive: true })

const counts = await runBunTest({
  paths: Bun.argv.slice(2),
  report: `${repoRoot}.data/junit.xml`,
  cwd: repoRoot,
  env: { ...Bun.env, REDIS_URL: services.redisUrl, DATABASE_URL: services.databaseUrl },
})
await services.stop()

console.log(`tests: ${counts.passed} passed, ${counts.failed} failed`)
process.exit(counts.exitCode !== 0 || counts.failed > 0 || counts.passed === 0 ? 1 : 0)
