/**
 * `gateway`: the stampede through the gateway (token checked there, then
 * proxied to checkout): what the extra hop costs.
 */
import type { ScenarioContext, ScenarioResult } from '../lib/scenario.ts'
import { stampede } from '../stampede/run.ts'

/**
 * @example
 * const [result] = await runGateway(ctx)
 */
export async function runGateway(ctx: ScenarioContext): Promise<ScenarioResult[]> {
  return [
    await stampede(ctx, {
      name: 'gateway',
      summary: 'the stampede through the gateway in front of checkout',
      stack: { logDir: ctx.logDir, gateway: true },
    }),
  ]
}
