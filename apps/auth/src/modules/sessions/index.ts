import { clientAddress } from '@flash/http'
import type { bearer } from '@flash/tokens'
import { Elysia } from 'elysia'
import type { AuthDeps } from '../../deps.ts'
import { refuseWith } from '../../errors.ts'
import { logout, logoutAll } from './logout.ts'
import { SessionModel } from './model.ts'
import { refresh } from './refresh.ts'
import { login } from './service.ts'

/**
 * `/auth` sessions: login, refresh (rotating), logout and logout-all.
 *
 * @example
 * new Elysia().use(sessionsController(deps, bearer(tokens, { isRevoked }), env.SERVICE_TOKEN, console.error))
 */
export function sessionsController(
  deps: AuthDeps,
  auth: ReturnType<typeof bearer>,
  /** The gateway's credential: X-Forwarded-For is believed only from a request carrying it. */
  serviceToken: string | undefined,
  log: (line: string) => void,
) {
  const refuse = refuseWith(log)

  return new Elysia({ prefix: '/auth' })
    .use(auth)
    .post(
      '/login',
      async ({ body, set, request, server }) => {
        // Tokens must never sit in a shared cache (RFC 6749, section 5.1).
        set.headers['cache-control'] = 'no-store'
        const clientIp = clientAddress(request, server, serviceToken)
        return (await login(deps, body, clientIp)).match((session) => session, refuse)
      },
      {
        body: SessionModel.loginBody,
        detail: { summary: 'Sign in with e-mail and password' },
      },
    )
    .post(
      '/refresh',
      async ({ body, set }) => {
        set.headers['cache-control'] = 'no-store'
        return (await refresh(deps, body.refreshToken)).match((session) => session, refuse)
      },
      {
        body: SessionModel.refreshBody,
        detail: {
          summary: 'Trade the refresh token for new tokens; each refresh token works once',
        },
      },
    )
    .post(
      '/logout',
      async ({ identity, status }) =>
        (await logout(deps, identity)).match(() => status(204, undefined), refuse),
      { auth: true, detail: { summary: 'End this session: its tokens stop working at once' } },
    )
    .post(
      '/logout-all',
      async ({ identity, status }) =>
        (await logoutAll(deps, identity)).match(() => status(204, undefined), refuse),
      { auth: true, detail: { summary: 'End every session of the caller' } },
    )
}
