import { service } from '@flash/http'
import { Elysia } from 'elysia'
import { controlController } from './modules/control/index.ts'
import { emailsController } from './modules/emails/index.ts'
import { Outbox } from './modules/emails/service.ts'
import { paymentsController } from './modules/payments/index.ts'
import { Payments } from './modules/payments/service.ts'
import type { Settings } from './settings.ts'

export type SandboxConfig = {
  /** Initial behaviour; `POST /control` changes a copy, never the caller's object. */
  settings: Settings
  maxBodyBytes: number
  log?: (line: string) => void
}

/**
 * The stand-ins for the third parties we cannot run (payment provider,
 * Resend), without listening: tests `listen({ port: 0 })`, `index.ts` serves
 * it on 3010. All state is in memory, so each app is its own world.
 *
 * @example
 * const app = createSandboxApp({
 *   settings: { ...calmSettings, declineRate: 0.2, seed: 'test' },
 *   maxBodyBytes: 1 << 20,
 * }).listen({ port: 0 })
 */
export function createSandboxApp(config: SandboxConfig) {
  const settings = { ...config.settings, next: [...config.settings.next] }
  const payments = new Payments(settings)
  const outbox = new Outbox()
  // normalize: false makes an unknown body field an error instead of silently dropping it.
  return new Elysia({ normalize: false })
    .use(
      service({
        name: 'sandbox',
        maxBodyBytes: config.maxBodyBytes,
        // A batch of 100 e-mails or 1,000 scripted charges holds a few thousand values.
        json: { maxValues: 20_000 },
        log: config.log,
      }),
    )
    .use(paymentsController(payments))
    .use(emailsController(outbox))
    .use(controlController(settings, payments, outbox))
}

export type SandboxApp = ReturnType<typeof createSandboxApp>
