import type { FlashClient } from '@flash/client'

export type Client = FlashClient

/** Who is signed in, as far as the page needs to know: what to show, not what to allow. */
export type Viewer = { role: 'admin' | 'buyer'; email: string | null }

/** What every page gets: the client, who is signed in, and a way to move to another page. */
export type Shop = {
  client: Client
  viewer: () => Viewer | null
  /** Remembers the address typed at login, to say who is signed in. */
  rememberEmail: (email: string | null) => void
  /** Moves to a hash route, e.g. `#/orders/123`. */
  go: (hash: string) => void
}

/** A page on screen; `stop` ends its timers and event streams when the reader leaves it. */
export type Mounted = { title: string; element: HTMLElement; stop?: () => void }

export type Page = (shop: Shop, params: URLSearchParams & { id?: string }) => Mounted

/**
 * Runs `task` now and again `everyMs` after each run ends (never two at
 * once), until the returned stop is called.
 *
 * @example
 * const stop = repeat(() => refresh(), 2000)
 */
export function repeat(task: () => Promise<void> | void, everyMs: number): () => void {
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const run = async () => {
    try {
      await task()
    } finally {
      if (!stopped) timer = setTimeout(run, everyMs)
    }
  }
  void run()
  return () => {
    stopped = true
    clearTimeout(timer)
  }
}
