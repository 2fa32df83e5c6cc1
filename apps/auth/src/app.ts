import type { Db } from '@flash/db/client'
import { service } from '@flash/http'
import type { TokenService } from '@flash/tokens'
import { sql } from 'drizzle-orm'
import { Elysia } from 'elysia'
import { sessionsController } from './modules/sessions/index.ts'
import { hashPassword } from './password.ts'

export type AuthConfig = {
  db: Db
  /** Signs access tokens; its TTL is the `expiresIn` logins answer with. */
  tokens: TokenService
  maxBodyBytes: number
  log?: (line: string) => void
}

/**
 * The auth app, without listening: tests serve it on port 0, `index.ts` on its port.
 *
 * @example
 * const app = createAuthApp({ db, tokens, maxBodyBytes: 16384 }).listen({ port: 0 })
 * await fetch(`http://127.0.0.1:${app.server?.port}/auth/login`, { method: 'POST', body })
 */
export function createAuthApp(config: AuthConfig) {
  const log = config.log ?? ((line: string) => console.error(line))
  const deps = {
    db: config.db,
    tokens: config.tokens,
    // Hashed now, not on the first unknown e-mail, so that login is not the slow one.
    dummyHash: hashPassword(crypto.randomUUID()),
  }
  return new Elysia({
    // A hard ceiling for Bun, above the API's limit on purpose: bodies up to it
    // reach service(), which counts them (chunked ones too) and answers
    // 413 with the API's error body; past it Bun refuses alone, with a bare 413.
    serve: { maxRequestBodySize: config.maxBodyBytes * 4 },
  })
    .use(
      service({
        name: 'auth',
        maxBodyBytes: config.maxBodyBytes,
        log,
        ready: async () => ({
          mysql: await config.db.execute(sql`select 1`).then(
            () => true,
            () => false,
          ),
        }),
      }),
    )
    .use(sessionsController(deps, config.maxBodyBytes, log))
}

export type AuthApp = ReturnType<typeof createAuthApp>
