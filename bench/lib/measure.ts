import {
  type OhaRun,
  ohaCommand,
  runOha,
  runWrk,
  shellLine,
  shellQuote,
  type WrkRun,
  wrkCommand,
} from './drivers.ts'
import type { LoadResult } from './load.ts'
import { startTicker } from './progress.ts'
import type { ScenarioContext } from './scenario.ts'
import { type ProcessUsage, type Watched, watchUsage } from './usage.ts'

/**
 * One measured wrk load against a running stack.
 *
 * @example
 * await measure(ctx, { label: 'stampede', url, script: 'orders.lua', env, watched })
 */
export type MeasureInput = {
  label: string
  url: string
  script: WrkRun['script']
  env: Record<string, string>
  watched: readonly Watched[]
  /** Overrides the run length (the sellout runs until well past its sell-out). */
  seconds?: number
  /** Skip the warm-up (the sellout's own lead time before opening warms it). */
  warmup?: boolean
  /** Extra text for the live progress line. */
  progress?: () => Promise<string>
  /** Runs after the warm-up, just before the measured load (to read the apps' own counters). */
  beforeMeasured?: () => Promise<void>
}

/**
 * What a measurement found: the measured load, the warm-up's (its 202s are
 * real orders, so the correctness check counts them), and per-process usage.
 *
 * @example
 * const { load, warmup, processes } = await measure(ctx, input)
 */
export type Measurement = {
  load: LoadResult
  warmup: LoadResult | null
  processes: ProcessUsage[]
  command: string
}

/**
 * Warms up (unmeasured), then runs wrk for the measured seconds while a
 * ticker prints progress and /proc is sampled for memory and CPU.
 *
 * @example
 * const m = await measure(ctx, { label: 'bare', url, script: 'bare.lua', env: {}, watched })
 * m.load.rps
 */
export async function measure(ctx: ScenarioContext, input: MeasureInput): Promise<Measurement> {
  const { options } = ctx
  const run = (seconds: number, onSpawn?: (pid: number) => void): Promise<LoadResult> =>
    runWrk({
      url: input.url,
      script: input.script,
      seconds,
      connections: options.connections,
      threads: options.threads,
      env: input.env,
      onSpawn,
    })
  let warmup: LoadResult | null = null
  if (input.warmup !== false && options.warmupSeconds > 0) {
    const ticker = startTicker(`${input.label} (warm-up)`, options.warmupSeconds)
    warmup = await run(options.warmupSeconds).finally(() => ticker.stop())
  }
  const seconds = input.seconds ?? options.seconds
  await input.beforeMeasured?.()
  const usage = watchUsage(input.watched)
  const ticker = startTicker(input.label, seconds, input.progress)
  let processes: ProcessUsage[] = []
  const load = await run(seconds, (pid) => usage.add({ name: 'wrk (driver)', pid })).finally(() => {
    ticker.stop()
    processes = usage.stop()
  })
  const env = Object.entries(input.env).map(([name, value]) => `${name}=${shellQuote(value)}`)
  const argv = wrkCommand({
    ...input,
    seconds,
    connections: options.connections,
    threads: options.threads,
  })
  return { load, warmup, processes, command: [...env, shellLine(argv)].join(' ') }
}

/**
 * The one-line outcome printed after each load.
 *
 * @example
 * describeLoad(load) // '10,412 req/s  p50 5.6  p90 8.6  p99 12.8  max 38.0 ms  202=104,120'
 */
export function describeLoad(load: LoadResult): string {
  const l = load.latencyMs
  const statuses = Object.entries(load.statuses)
    .map(([status, n]) => `${status}=${n.toLocaleString('en-US')}`)
    .join(' ')
  const errors = Object.entries(load.errors)
    .map(([kind, n]) => `${kind}=${n}`)
    .join(' ')
  return (
    `${Math.round(load.rps).toLocaleString('en-US')} req/s  p50 ${l.p50.toFixed(2)}  p90 ${l.p90.toFixed(2)}` +
    `  p99 ${l.p99.toFixed(2)}  max ${l.max.toFixed(2)} ms  ${statuses}${errors ? `  errors: ${errors}` : ''}`
  )
}

/**
 * The same as `measure`, with oha as the driver (no warm-up: wrk warmed the stack).
 *
 * @example
 * const m = await measureOha('bare (oha)', run, watched)
 */
export async function measureOha(
  label: string,
  run: OhaRun,
  watched: readonly Watched[],
): Promise<Omit<Measurement, 'warmup'>> {
  const usage = watchUsage(watched)
  const ticker = startTicker(label, run.seconds)
  let processes: ProcessUsage[] = []
  const load = await runOha(run).finally(() => {
    ticker.stop()
    processes = usage.stop()
  })
  return { load, processes, command: shellLine(ohaCommand(run)) }
}

/**
 * oha's length and connections, the same as wrk's.
 *
 * @example
 * runOha({ url, ...ohaLoad(ctx) })
 */
export function ohaLoad(ctx: ScenarioContext): { seconds: number; connections: number } {
  return { seconds: ctx.options.seconds, connections: ctx.options.connections }
}
