import type { Verdict } from './correctness.ts'
import type { LoadResult } from './load.ts'
import type { BenchOptions } from './options.ts'
import type { ProcessUsage } from './usage.ts'

/**
 * What every scenario receives: the options, and a folder of its own for the
 * logs of the processes it starts.
 *
 * @example
 * const ctx: ScenarioContext = { options, logDir: 'bench/results/x/logs/stampede', ohaAvailable: false }
 */
export type ScenarioContext = {
  options: BenchOptions
  logDir: string
  /** oha is on PATH and wanted: scenarios it can drive run it too. */
  ohaAvailable: boolean
}

/**
 * One row of the report. A scenario returns one, or several (durability's
 * three fsync settings, an oha cross-check).
 *
 * @example
 * const result: ScenarioResult = { name: 'bare', summary: '...', load, processes: [], facts: {}, commands: [] }
 */
export type ScenarioResult = {
  name: string
  /** What was measured, in a line. */
  summary: string
  load?: LoadResult
  processes: ProcessUsage[]
  verdict?: Verdict
  /** Scenario-specific figures: time to sell out, drain rate, answers by code... */
  facts: Record<string, number | string>
  /** Command lines run, for whoever wants to repeat one by hand. */
  commands: string[]
  /** Set when the scenario crashed instead of finishing. */
  error?: string
}
