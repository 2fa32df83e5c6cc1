import { Elysia } from 'elysia'
import { type AuthError, toHttp } from '../../errors.ts'
import { SessionModel } from './model.ts'
import { login, type SessionsDeps } from './service.ts'

/**
 * `/auth` sessions: login (refresh and logout come in later issues).
 *
 * @example
 * new Elysia().use(sessionsController(deps, 16384, console.error))
 */
export function sessionsController(
  deps: SessionsDeps,
  maxBodyBytes: number,
  log: (line: string) => void,
) {
  const refuse = (error: AuthError) => {
    if (error.type === 'Unavailable') log(`[auth] dependency failed: ${String(error.cause)}`)
    const { status, body } = toHttp(error)
    return Response.json(body, { status, headers: { 'cache-control': 'no-store' } })
  }

  return new Elysia({ prefix: '/auth' }).post(
    '/login',
    async ({ body, set }) => {
      // Tokens must never sit in a shared cache (RFC 6749, section 5.1).
      set.headers['cache-control'] = 'no-store'
      return (await login(deps, body)).match((session) => session, refuse)
    },
    {
      body: SessionModel.loginBody,
      detail: { summary: 'Sign in with e-mail and password' },
    },
  )
}
