/**
 * `bare`: GET /bare/:id on a plain Elysia server, driven the same way as the
 * order scenarios (wrk with a Lua script, a different path per request): the
 * throughput ceiling the ratios divide by.
 */
import { join } from 'node:path'
import { freePort } from '@flash/devstack'
import { describeLoad, measure, measureOha, ohaLoad } from '../lib/measure.ts'
import { startProcess, waitHealthy } from '../lib/processes.ts'
import type { ScenarioContext, ScenarioResult } from '../lib/scenario.ts'

/**
 * @example
 * const [bare] = await runBare(ctx)
 */
export async function runBare(ctx: ScenarioContext): Promise<ScenarioResult[]> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  await using server = startProcess(
    'bare',
    ['bun', 'bench/bare/server.ts'],
    { PORT: String(port) },
    join(ctx.logDir, 'bare.log'),
  )
  await waitHealthy(server, url)
  const watched = [{ name: 'bare', pid: server.pid }]
  const m = await measure(ctx, { label: 'bare', url, script: 'bare.lua', env: {}, watched })
  console.log(`  bare: ${describeLoad(m.load)}`)
  const results: ScenarioResult[] = [
    {
      name: 'bare',
      summary: 'GET /bare/:id, an Elysia route building JSON from its parameter',
      load: m.load,
      processes: m.processes,
      facts: {},
      commands: [m.command],
    },
  ]
  if (ctx.ohaAvailable) {
    const run = { url: `${url}/bare/[0-9]{1,8}`, randomUrl: true, ...ohaLoad(ctx) }
    const oha = await measureOha('bare (oha)', run, watched)
    console.log(`  bare (oha): ${describeLoad(oha.load)}`)
    results.push({
      name: 'bare (oha)',
      summary: 'the same route, driven by oha',
      load: oha.load,
      processes: oha.processes,
      facts: {},
      commands: [oha.command],
    })
  }
  return results
}
