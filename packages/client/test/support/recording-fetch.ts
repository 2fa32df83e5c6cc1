import type { FetchLike } from '../../src/index.ts'

export type Recorded = {
  method: string
  path: string
  idempotencyKey: string | null
  /** The status the server answered, or `lost` when the test threw the answer away. */
  status: number | 'lost'
}

/**
 * A `fetch` for the client that records every request it sends, and can lose
 * the answer to a chosen request after the server has handled it: the worst
 * case for a retry (the order was taken, the buyer never heard).
 *
 * @example
 * const network = recordingFetch()
 * const client = createClient(url, { fetch: network.fetch })
 * network.loseNextAnswer('POST', '/orders')
 */
export function recordingFetch() {
  const calls: Recorded[] = []
  const losing: { method: string; path: string }[] = []
  const fetch: FetchLike = async (input, init) => {
    const url = new URL(String(input))
    const method = (init?.method ?? 'GET').toUpperCase()
    const call: Recorded = {
      method,
      path: url.pathname,
      idempotencyKey: new Headers(init?.headers).get('idempotency-key'),
      status: 'lost',
    }
    calls.push(call)
    const answer = await globalThis.fetch(input, init)
    const lose = losing.findIndex((l) => l.method === method && l.path === url.pathname)
    if (lose === -1) {
      call.status = answer.status
      return answer
    }
    losing.splice(lose, 1)
    // The server has answered in full: only the way back fails.
    await answer.arrayBuffer()
    throw new TypeError('the connection was reset')
  }
  return {
    fetch,
    calls,
    /** Requests sent so far to `method path`. */
    sent: (method: string, path: string) =>
      calls.filter((c) => c.method === method && c.path === path),
    loseNextAnswer(method: string, path: string) {
      losing.push({ method, path })
    },
  }
}
