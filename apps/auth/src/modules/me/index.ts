import type { bearer } from '@flash/tokens'
import { Elysia } from 'elysia'
import type { AuthDeps } from '../../deps.ts'
import { refuseWith } from '../../errors.ts'
import { readMe } from './service.ts'

/**
 * `GET /auth/me`: the caller's profile, decrypted, and their recent orders.
 *
 * @example
 * new Elysia().use(meController(deps, bearer(tokens, { isRevoked }), console.error))
 */
export function meController(
  deps: AuthDeps,
  auth: ReturnType<typeof bearer>,
  log: (line: string) => void,
) {
  const refuse = refuseWith(log)
  return new Elysia({ prefix: '/auth' }).use(auth).get(
    '/me',
    async ({ identity, set }) => {
      // Personal data: never in a shared cache.
      set.headers['cache-control'] = 'no-store'
      return (await readMe(deps, identity.userId)).match((me) => me, refuse)
    },
    {
      auth: true,
      detail: {
        summary:
          'Your profile and recent orders (ordersAvailable: false when checkout cannot answer)',
      },
    },
  )
}
