/**
 * `stampede-n`: the stampede against one checkout process, then against N
 * sharing its port as one port group (`CHECKOUT_PROCESSES=N bun run start`),
 * on the same machine one after the other: what more processes buy on this
 * machine. wrk runs beside them, on the same cores.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { ScenarioContext, ScenarioResult } from '../lib/scenario.ts'
import { stampede } from '../stampede/run.ts'

/**
 * @example
 * const [one, many] = await runStampedeN(ctx) // many.facts.ratio_to_one: '1.42'
 */
export async function runStampedeN(ctx: ScenarioContext): Promise<ScenarioResult[]> {
  const n = ctx.options.checkoutProcesses
  const one = await stampede(ctx, {
    name: 'stampede-n:1',
    summary: 'the stampede against one checkout process (the baseline of stampede-n)',
    stack: { logDir: subfolder(ctx, 'one'), checkoutProcesses: 1 },
  })
  const many = await stampede(ctx, {
    name: `stampede-n:${n}`,
    summary: `the stampede against ${n} checkout processes sharing one port (one port group)`,
    stack: { logDir: subfolder(ctx, 'many'), checkoutProcesses: n },
  })
  const oneRps = one.load?.rps ?? 0
  const manyRps = many.load?.rps ?? 0
  const ratio = oneRps > 0 ? manyRps / oneRps : 0
  console.log(
    `  stampede-n: ${Math.round(manyRps)} req/s with ${n} processes, ${Math.round(oneRps)} with 1: ${ratio.toFixed(2)}×`,
  )
  return [
    { ...one, facts: { ...one.facts, processes: 1 } },
    {
      ...many,
      facts: {
        ...many.facts,
        processes: n,
        rps_one_process: Math.round(oneRps),
        rps_n_processes: Math.round(manyRps),
        ratio_to_one: ratio.toFixed(2),
      },
    },
  ]
}

function subfolder(ctx: ScenarioContext, name: string): string {
  const dir = join(ctx.logDir, name)
  mkdirSync(dir, { recursive: true })
  return dir
}
