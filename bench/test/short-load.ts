import { afterAll } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseOptions } from '../lib/options.ts'
import type { ScenarioContext } from '../lib/scenario.ts'

/**
 * A scenario context for tests that run a real load, kept short: a few
 * connections, 200 buyers, no warm-up, no oha, logs in a temporary folder
 * removed after the file's tests.
 *
 * @example
 * const ctx = shortLoad('bench-stampede-', 2)
 */
export function shortLoad(logPrefix: string, seconds: number): ScenarioContext {
  const logDir = mkdtempSync(join(tmpdir(), logPrefix))
  afterAll(() => rmSync(logDir, { recursive: true, force: true }))
  return {
    options: {
      ...parseOptions(['--quick', `--seconds=${seconds}`, '--connections=8', '--no-oha']),
      buyers: 200,
      warmupSeconds: 0,
    },
    logDir,
    ohaAvailable: false,
  }
}
