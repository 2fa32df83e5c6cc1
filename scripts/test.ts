/**
 * `bun run test`: finds or starts Redis and MySQL, runs every test file with
 * bun's runner, and ends with one line CI reads: `tests: N passed, N failed`.
 * Each test file makes its own database and Redis key prefix (@flash/testing).
 */
import { mkdirSync } from 'node:fs'
import { findOrStartServices, repoRoot } from './lib/services.ts'

const services = await findOrStartServices((line) => console.log(`[services] ${line}`))
const report = `${repoRoot}.data/junit.xml`
mkdirSync(`${repoRoot}.data`, { recursive: true })
await Bun.file(report)
  .delete()
  .catch(() => {})

const run = Bun.spawn(
  [
    'bun',
    'test',
    '--timeout=120000',
    '--reporter=junit',
    `--reporter-outfile=${report}`,
    ...Bun.argv.slice(2),
  ],
  {
    cwd: repoRoot,
    env: { ...Bun.env, REDIS_URL: services.redisUrl, DATABASE_URL: services.databaseUrl },
    stdio: ['inherit', 'inherit', 'inherit'],
  },
)
const exitCode = await run.exited
await services.stop()

const counts = await countResults(report)
console.log(`tests: ${counts.passed} passed, ${counts.failed} failed`)
process.exit(exitCode !== 0 || counts.failed > 0 || counts.passed === 0 ? 1 : 0)

/** Counts test cases in bun's JUnit report; a missing report counts as one failure. */
async function countResults(path: string): Promise<{ passed: number; failed: number }> {
  const file = Bun.file(path)
  if (!(await file.exists())) return { passed: 0, failed: 1 }
  const xml = await file.text()
  let passed = 0
  let failed = 0
  for (const match of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const inner = match[2] ?? ''
    if (/<(failure|error)\b/.test(inner)) failed++
    else if (/<skipped\b/.test(inner)) continue
    else passed++
  }
  return { passed, failed }
}
