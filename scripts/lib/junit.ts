/**
 * Counts test cases in bun's JUnit report; a missing report counts as one
 * failure, so a run that crashed before writing it never reads as green.
 *
 * @example
 * const { passed, failed } = await countResults('.data/junit.xml')
 * console.log(`tests: ${passed} passed, ${failed} failed`)
 */
export async function countResults(path: string): Promise<{ passed: number; failed: number }> {
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

/**
 * Runs `bun test` on `paths` with a JUnit report written to `report` (deleted
 * first, so a stale one is never counted) and returns the runner's exit code
 * and the counts.
 *
 * @example
 * const run = await runBunTest({ paths: ['packages/redis'], report, cwd, env })
 */
export async function runBunTest(options: {
  paths: string[]
  report: string
  cwd: string
  env: Record<string, string | undefined>
}): Promise<{ exitCode: number; passed: number; failed: number }> {
  await Bun.file(options.report)
    .delete()
    .catch(() => {})
  const run = Bun.spawn(
    [
      'bun',
      'test',
      '--timeout=120000',
      '--reporter=junit',
      `--reporter-outfile=${options.report}`,
      ...options.paths,
    ],
    { cwd: options.cwd, env: options.env, stdio: ['inherit', 'inherit', 'inherit'] },
  )
  const exitCode = await run.exited
  return { exitCode, ...(await countResults(options.report)) }
}
