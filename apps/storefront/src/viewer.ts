import type { StoredSession } from '@flash/client'
import type { Viewer } from './shop.ts'

const EMAIL_KEY = 'flash.email'

/**
 * Who the session's access token says is signed in. The token's signature
 * is not checked here: the page only decides what to show, and every
 * request is checked by the service.
 *
 * @example
 * viewerOf(client.session.current()) // { role: 'buyer', email: 'jane@shop.example' }
 */
export function viewerOf(session: StoredSession | null): Viewer | null {
  if (!session) return null
  const role = roleOf(session.accessToken)
  return role ? { role, email: localStorage.getItem(EMAIL_KEY) } : null
}

export function rememberEmail(email: string | null): void {
  if (email === null) localStorage.removeItem(EMAIL_KEY)
  else localStorage.setItem(EMAIL_KEY, email)
}

function roleOf(token: string): Viewer['role'] | null {
  const payload = token.split('.')[1]
  if (!payload) return null
  try {
    const json = atob(payload.replaceAll('-', '+').replaceAll('_', '/'))
    const role = (JSON.parse(json) as { role?: unknown }).role
    return role === 'admin' || role === 'buyer' ? role : null
  } catch {
    return null
  }
}
