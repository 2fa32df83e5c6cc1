import { ok, type Result } from 'neverthrow'
import { settle } from './answers.ts'
import type { Api } from './api.ts'
import type { ApiError } from './errors.ts'
import type { StoredSession } from './session-store.ts'
import type { SessionListener, Tokens } from './tokens.ts'
import type { Profile } from './types.ts'

export type SignupForm = {
  email: string
  /** At least 10 characters. */
  password: string
  name: string
  phone?: string
  address?: string
}

export type Session = {
  /** Starts a signup: a 6-digit code is e-mailed. */
  signup(form: SignupForm): Promise<Result<{ status: 'verification_sent' }, ApiError>>
  /** Creates the account with the e-mailed code. */
  verify(form: { email: string; code: string }): Promise<Result<{ userId: string }, ApiError>>
  login(form: { email: string; password: string }): Promise<Result<StoredSession, ApiError>>
  /**
   * Ends this session on the server and here. The session is forgotten here
   * even when the server could not be told (the error says so).
   */
  logout(): Promise<Result<void, ApiError>>
  /** Ends every session of the user, on every device. */
  logoutAll(): Promise<Result<void, ApiError>>
  /** The signed-in buyer's profile and latest orders. */
  me(): Promise<Result<Profile, ApiError>>
  current(): StoredSession | null
  /** Told of every change: login, refresh, logout, and a refused refresh (null). */
  onChange(listener: SessionListener): () => void
}

/**
 * Signing up, in and out. The tokens themselves live in `tokens`, which
 * keeps them fresh for every call.
 *
 * @example
 * const session = sessionOf(api, tokens, 15_000)
 * const signedIn = await session.login({ email, password })
 */
export function sessionOf(api: Pick<Api, 'auth'>, tokens: Tokens, timeoutMs: number): Session {
  const { auth } = api.auth
  const end = async (call: () => ReturnType<typeof auth.logout.post>) => {
    if (tokens.current() === null) return ok(undefined)
    const answer = await settle(call(), 'empty', timeoutMs)
    tokens.end()
    // A 401 says the session had already ended: what logging out asked for.
    if (answer.isErr() && answer.error.status === 401) return ok(undefined)
    return answer.map(() => undefined)
  }
  return {
    signup: async (form) => settle(auth.signup.post(form), 'json', timeoutMs),
    verify: async (form) => settle(auth.verify.post(form), 'json', timeoutMs),
    login: async (form) =>
      (await settle(auth.login.post(form), 'json', timeoutMs)).map((issued) =>
        tokens.start(issued),
      ),
    logout: () => end(() => auth.logout.post()),
    logoutAll: () => end(() => auth['logout-all'].post()),
    me: async () => settle(auth.me.get(), 'json', timeoutMs),
    current: () => tokens.current(),
    onChange: (listener) => tokens.onChange(listener),
  }
}
