/**
 * `gateway` and `gateway-remote`: the stampede through the gateway (token
 * checked there), with checkout in the gateway's process (the single-machine
 * deployment) or in a process of its own behind it (the deployment over
 * several machines): what the entry point costs in each.
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
      summary: 'the stampede through the gateway, checkout in its process (CHECKOUT_IN_PROCESS)',
      stack: { logDir: ctx.logDir, gateway: 'in-process' },
    }),
  ]
}

/**
 * @example
 * const [result] = await runGatewayRemote(ctx)
 */
export async function runGatewayRemote(ctx: ScenarioContext): Promise<ScenarioResult[]> {
  return [
    await stampede(ctx, {
      name: 'gateway-remote',
      summary: 'the stampede through the gateway in front of a checkout process',
      stack: { logDir: ctx.logDir, gateway: 'remote' },
    }),
  ]
}
