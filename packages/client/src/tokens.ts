import { err, ok, type Result } from 'neverthrow'
import type { ApiError } from './errors.ts'
import type { SessionStore, StoredSession } from './session-store.ts'

/** What login and refresh answer (shared/API.md). */
export type IssuedTokens = { accessToken: string; refreshToken: string; expiresIn: number }

export type SessionListener = (session: StoredSession | null) => void

/** Trades a refresh token for new tokens: `POST /auth/refresh`. */
export type RefreshCall = (refreshToken: string) => Promise<Result<IssuedTokens, ApiError>>

/**
 * How long before the access token expires it is refreshed: a call that
 * starts with a token about to expire would be refused on the way.
 */
const REFRESH_MARGIN_MS = 30_000

/** The Web Locks API, where there is one (browsers): one refresh across every tab of an origin. */
type Locks = { request<T>(name: string, callback: () => Promise<T>): Promise<T> }

/**
 * The session's tokens, kept fresh through the rotating refresh token. Only
 * one refresh is ever in flight: every call that needs one while it runs
 * waits for the same answer, because a refresh token works once and a second
 * use of it revokes the whole session (shared/API.md). In a browser the
 * refresh also holds a Web Lock and reads the store again inside it, so two
 * tabs sharing one store never both spend the same refresh token.
 *
 * @example
 * const tokens = new Tokens(memorySessionStore(), (refreshToken) => refresh(refreshToken))
 * const token = await tokens.forRequest() // Ok(access token), Ok(null) when signed out
 */
export class Tokens {
  readonly #listeners = new Set<SessionListener>()
  #refreshing: Promise<Result<StoredSession | null, ApiError>> | null = null

  constructor(
    private readonly store: SessionStore,
    private readonly refreshCall: RefreshCall,
    private readonly now: () => number = Date.now,
  ) {}

  current(): StoredSession | null {
    return this.store.load()
  }

  onChange(listener: SessionListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Keeps the tokens of a login or refresh, and tells the listeners. */
  start(issued: IssuedTokens): StoredSession {
    const session = {
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken,
      expiresAt: this.now() + issued.expiresIn * 1000,
    }
    this.#set(session)
    return session
  }

  /** Forgets the session (logout, a refused refresh), and tells the listeners. */
  end(): void {
    if (this.store.load() !== null) this.#set(null)
  }

  /**
   * The access token for a call that needs one, refreshed first when it is
   * about to expire. Ok(null) when signed out (the server then refuses the
   * call with its own 401); an error when the refresh got no answer.
   */
  async forRequest(): Promise<Result<string | null, ApiError>> {
    const session = this.store.load()
    if (session === null) return ok(null)
    if (session.expiresAt - REFRESH_MARGIN_MS > this.now()) return ok(session.accessToken)
    return (await this.#refresh(session)).map((fresh) => fresh?.accessToken ?? null)
  }

  /**
   * After the server refused `token` with a 401: the token to try once more
   * with, or null when there is none (signed out, or the refresh failed).
   * A token some other call refreshed meanwhile is used without a refresh.
   */
  async afterRejection(token: string): Promise<string | null> {
    const session = this.store.load()
    if (session === null) return null
    if (session.accessToken !== token) return session.accessToken
    const fresh = await this.#refresh(session)
    return fresh.isOk() ? (fresh.value?.accessToken ?? null) : null
  }

  #refresh(seen: StoredSession): Promise<Result<StoredSession | null, ApiError>> {
    if (this.#refreshing) return this.#refreshing
    const refreshing = exclusive('flash-client-refresh', () => this.#rotate(seen)).finally(() => {
      this.#refreshing = null
    })
    this.#refreshing = refreshing
    return refreshing
  }

  async #rotate(seen: StoredSession): Promise<Result<StoredSession | null, ApiError>> {
    // Read again: another tab may have rotated the tokens (or signed out) meanwhile.
    const session = this.store.load()
    if (session === null) return ok(null)
    if (session.refreshToken !== seen.refreshToken) return ok(session)
    const issued = await this.refreshCall(session.refreshToken)
    if (issued.isOk()) return ok(this.start(issued.value))
    if (isRefusal(issued.error)) {
      this.end()
      return ok(null)
    }
    return err(issued.error)
  }

  #set(session: StoredSession | null): void {
    this.store.save(session)
    for (const listener of this.#listeners)
      try {
        listener(session)
      } catch (error) {
        // A listener's bug must not undo the session change: it is reported, not thrown here.
        queueMicrotask(() => {
          throw error
        })
      }
  }
}

/** The refresh token itself was refused, not the attempt: no later try can succeed. */
function isRefusal(error: ApiError): boolean {
  return error.status >= 400 && error.status < 500 && ![408, 429].includes(error.status)
}

function exclusive<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = (globalThis as { navigator?: { locks?: Locks } }).navigator?.locks
  return locks ? locks.request(name, task) : task()
}
