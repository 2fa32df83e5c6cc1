/**
 * A signed-in session as the client keeps it. `expiresAt` is when the access
 * token expires, in epoch milliseconds on this device's clock (login's
 * `expiresIn` counted from when the answer arrived).
 */
export type StoredSession = { accessToken: string; refreshToken: string; expiresAt: number }

/**
 * Where the session lives between calls. The client reads it before every
 * call that needs a token, so a store shared by several tabs (localStorage)
 * lets each tab see the tokens another one rotated.
 */
export type SessionStore = {
  load(): StoredSession | null
  save(session: StoredSession | null): void
}

/**
 * A store that forgets the session with the process or page: the default.
 *
 * @example
 * const client = createClient(url, { session: memorySessionStore() })
 */
export function memorySessionStore(initial: StoredSession | null = null): SessionStore {
  let session = initial
  return {
    load: () => session,
    save: (next) => {
      session = next
    },
  }
}

/** The part of the Web Storage API a store needs (`localStorage`, `sessionStorage`). */
export type WebStorage = {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

/**
 * A store in Web Storage, kept across reloads and shared by the tabs of one
 * origin. What it cannot read back as a session (another app's value, an
 * edited one) counts as signed out.
 *
 * @example
 * const client = createClient(location.origin, { session: webStorageSessionStore(localStorage) })
 */
export function webStorageSessionStore(storage: WebStorage, key = 'flash.session'): SessionStore {
  return {
    load() {
      const text = storage.getItem(key)
      if (text === null) return null
      try {
        const value: unknown = JSON.parse(text)
        return isStoredSession(value) ? value : null
      } catch {
        return null
      }
    },
    save(session) {
      if (session === null) storage.removeItem(key)
      else storage.setItem(key, JSON.stringify(session))
    },
  }
}

function isStoredSession(value: unknown): value is StoredSession {
  return (
    typeof value === 'object' &&
    value !== null &&
    'accessToken' in value &&
    typeof value.accessToken === 'string' &&
    'refreshToken' in value &&
    typeof value.refreshToken === 'string' &&
    'expiresAt' in value &&
    typeof value.expiresAt === 'number'
  )
}
