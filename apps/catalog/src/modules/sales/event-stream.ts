import type { ResultAsync } from 'neverthrow'
import type { CatalogError } from '../../errors.ts'
import type { SaleListener } from './sale-feed.ts'
import type { SaleFeeds } from './sale-feeds.ts'

const encoder = new TextEncoder()

/**
 * Events a client may fall behind by before it is dropped: only the latest
 * state matters, and a client that stops reading must not hold memory.
 */
const MAX_BEHIND = 64

const headers = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  // Asks nginx-style proxies not to buffer the stream, which would delay every event.
  'x-accel-buffering': 'no',
}

/**
 * The response of `GET /sales/:id/events`: a `text/event-stream` whose
 * `data:` lines are `{remaining, status}` JSON, the first at once, then one
 * per change, a `:` comment as heartbeat, and the end after a final event
 * when the sale ends. The listener leaves its feed when the client goes,
 * which Bun reports as a cancelled stream (and, over HTTP, an aborted
 * request signal; both are handled, whichever comes first). A sale that does
 * not exist is an error, answered before any stream starts.
 *
 * @example
 * (await saleEventStream(feeds, id, request.signal)).match((response) => response, refusal)
 */
export function saleEventStream(
  feeds: SaleFeeds,
  saleId: string,
  signal: AbortSignal,
): ResultAsync<Response, CatalogError> {
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined
  let leave: (() => void) | undefined
  let gone = false
  const goodbye = () => {
    if (gone) return
    gone = true
    signal.removeEventListener('abort', goodbye)
    leave?.()
  }
  const close = () => {
    if (gone) return
    goodbye()
    controller?.close()
  }
  const send = (text: string) => {
    if (gone || !controller) return
    if ((controller.desiredSize ?? 0) < -MAX_BEHIND) return close()
    try {
      controller.enqueue(encoder.encode(text))
    } catch {
      goodbye()
    }
  }
  const stream = new ReadableStream<Uint8Array>({
    start(opened) {
      controller = opened
    },
    cancel: goodbye,
  })
  const listener: SaleListener = {
    update: (update) => send(`data: ${JSON.stringify(update)}\n\n`),
    heartbeat: () => send(': keep-alive\n\n'),
    end: close,
  }
  return feeds.subscribe(saleId, listener).map((unsubscribe) => {
    leave = unsubscribe
    // The client may have gone while the sale was looked up.
    if (gone) unsubscribe()
    else if (signal.aborted) goodbye()
    else signal.addEventListener('abort', goodbye, { once: true })
    return new Response(stream, { headers })
  })
}
