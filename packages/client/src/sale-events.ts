import { type ApiError, errorFromAnswer, isRetryable } from './errors.ts'
import type { FetchLike } from './session-fetch.ts'
import { SseParser } from './sse-parser.ts'
import type { SaleUpdate } from './types.ts'

export type ConnectionState = 'open' | 'reconnecting'

export type SaleWatcher = {
  /** The sale's live state: at once when the stream opens (again), then on every change. */
  onUpdate(update: SaleUpdate): void
  /** `open` when a stream is flowing, `reconnecting` while it is down; told on each change. */
  onConnection?(state: ConnectionState): void
  /** The stream was refused for good (no such sale): watching has stopped. */
  onError?(error: ApiError): void
}

export type WatchOptions = {
  /** First wait before reconnecting; doubled after each failed try. Default 500 ms. */
  initialDelayMs?: number
  /** Longest wait between tries. Default 10 s. */
  maxDelayMs?: number
  /**
   * A stream silent this long is taken for dead and reconnected: the server
   * sends a comment every 15 s, so a connection that hangs without closing
   * (a phone changing networks) is noticed. Default 45 s.
   */
  idleTimeoutMs?: number
}

type Outcome =
  | { kind: 'ended' }
  | { kind: 'refused'; error: ApiError }
  | { kind: 'dropped'; delivered: boolean; retryAfterMs: number }

/**
 * Follows `GET /sales/:id/events` until stopped, reconnecting with backoff
 * (with jitter, so a crowd cut off at once does not come back at once)
 * whenever the stream drops, errors, or goes silent. Stops by itself after
 * the sale's `ended` event, and on a refusal that retrying cannot change.
 * Uses `fetch` and a stream reader rather than EventSource, so it runs in
 * Bun as in a browser, and backs off where EventSource would retry at once.
 *
 * @example
 * const stop = watchSale({ baseUrl, fetch }, saleId, { onUpdate: ({ remaining }) => show(remaining) })
 * stop()
 */
export function watchSale(
  deps: { baseUrl: string; fetch: FetchLike },
  saleId: string,
  watcher: SaleWatcher,
  options: WatchOptions = {},
): () => void {
  const initialDelayMs = options.initialDelayMs ?? 500
  const maxDelayMs = options.maxDelayMs ?? 10_000
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000
  const url = `${deps.baseUrl}/sales/${encodeURIComponent(saleId)}/events`
  const stopped = new AbortController()
  let state: ConnectionState | undefined
  const announce = (next: ConnectionState) => {
    if (state === next) return
    state = next
    report(() => watcher.onConnection?.(next))
  }

  const follow = async (): Promise<Outcome> => {
    const attempt = new AbortController()
    const stop = () => attempt.abort()
    stopped.signal.addEventListener('abort', stop)
    let idle: ReturnType<typeof setTimeout> | undefined
    const arm = () => {
      clearTimeout(idle)
      idle = setTimeout(stop, idleTimeoutMs)
    }
    let delivered = false
    const parser = new SseParser()
    try {
      arm()
      const response = await deps.fetch(url, {
        headers: { accept: 'text/event-stream' },
        cache: 'no-store',
        signal: attempt.signal,
      })
      if (!response.ok) {
        const body = await response.json().catch(() => null)
        const error = errorFromAnswer(response.status, body, response.headers)
        if (!isRetryable(error)) return { kind: 'refused', error }
        return { kind: 'dropped', delivered, retryAfterMs: (error.retryAfterSeconds ?? 0) * 1000 }
      }
      const isStream = response.headers.get('content-type')?.includes('text/event-stream')
      if (!isStream || !response.body) {
        await response.body?.cancel()
        return { kind: 'dropped', delivered, retryAfterMs: 0 }
      }
      announce('open')
      const reader = response.body.getReader()
      const decoder = new TextDecoder()
      let last: SaleUpdate | undefined
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        arm()
        for (const event of parser.push(decoder.decode(value, { stream: true }))) {
          const update = event.type === 'message' ? parseUpdate(event.data) : undefined
          if (!update) continue
          delivered = true
          last = update
          report(() => watcher.onUpdate(update))
        }
      }
      if (last?.status === 'ended') return { kind: 'ended' }
      return { kind: 'dropped', delivered, retryAfterMs: parser.retryMs ?? 0 }
    } catch {
      return { kind: 'dropped', delivered, retryAfterMs: parser.retryMs ?? 0 }
    } finally {
      clearTimeout(idle)
      stopped.signal.removeEventListener('abort', stop)
      attempt.abort()
    }
  }

  void (async () => {
    let delayMs = initialDelayMs
    while (!stopped.signal.aborted) {
      const outcome = await follow()
      if (stopped.signal.aborted || outcome.kind === 'ended') return
      if (outcome.kind === 'refused') return report(() => watcher.onError?.(outcome.error))
      announce('reconnecting')
      // A stream that delivered was healthy: its drop starts the backoff afresh.
      if (outcome.delivered) delayMs = initialDelayMs
      const jittered = delayMs / 2 + (Math.random() * delayMs) / 2
      await sleep(Math.max(jittered, outcome.retryAfterMs), stopped.signal)
      delayMs = Math.min(delayMs * 2, maxDelayMs)
    }
  })()
  return () => stopped.abort()
}

function parseUpdate(data: string): SaleUpdate | undefined {
  try {
    const value: unknown = JSON.parse(data)
    if (
      typeof value === 'object' &&
      value !== null &&
      'remaining' in value &&
      typeof value.remaining === 'number' &&
      'status' in value &&
      typeof value.status === 'string'
    )
      return { remaining: value.remaining, status: value.status as SaleUpdate['status'] }
  } catch {}
  return undefined
}

/** A watcher's own failure must not end or restart the stream: it is reported, not thrown here. */
function report(callback: () => void): void {
  try {
    callback()
  } catch (error) {
    queueMicrotask(() => {
      throw error
    })
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
