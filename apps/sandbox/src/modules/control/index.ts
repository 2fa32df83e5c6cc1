import { Elysia } from 'elysia'
import type { Settings } from '../../settings.ts'
import type { Outbox } from '../emails/service.ts'
import type { Payments } from '../payments/service.ts'
import { ControlModel } from './model.ts'

/**
 * `/control`: tests and humans change how the provider behaves while it runs
 * (decline rate, latency, outage, seed) and wipe what it recorded.
 *
 * @example
 * new Elysia().use(controlController(settings, payments, outbox))
 */
export function controlController(settings: Settings, payments: Payments, outbox: Outbox) {
  return new Elysia({ prefix: '/control' })
    .get('/', () => ({ ...settings }), { detail: { summary: 'The current settings' } })
    .post(
      '/',
      ({ body }) => {
        Object.assign(settings, body)
        return { ...settings }
      },
      {
        body: ControlModel.changeBody,
        detail: { summary: 'Change some settings; answers all of them' },
      },
    )
    .post('/reset', () => ({ cleared: { payments: payments.reset(), emails: outbox.reset() } }), {
      detail: { summary: 'Forget every payment and e-mail; settings stay' },
    })
}
