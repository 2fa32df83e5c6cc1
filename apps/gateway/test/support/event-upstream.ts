import { type StubUpstream, startUpstream } from './stub-upstream.ts'

const encoder = new TextEncoder()

export type EventUpstream = StubUpstream & {
  /** Sends `data: <json>` on every stream still open. */
  send(update: object): void
  /** Ends every stream still open, as an app does when a sale ends. */
  endAll(): void
  /** Streams whose reader went away (the gateway closed its side). */
  cancelled(): number
  /** Requests to `/sales/<id>/events` that were never answered and whose caller left. */
  abandoned(): number
}

/**
 * A stand-in for catalog: `GET /sales/:id` answers at once,
 * `GET /sales/:id/events` is a server-sent event stream that sends
 * `{"remaining":42}` at once and then what the test sends, and
 * `GET /sales/silent/events` never answers at all.
 *
 * @example
 * await using catalog = startEventUpstream()
 * catalog.send({ remaining: 41 })
 */
export function startEventUpstream(): EventUpstream {
  const open = new Set<ReadableStreamDefaultController<Uint8Array>>()
  let cancelled = 0
  let abandoned = 0
  const upstream = startUpstream((request, raw) => {
    if (request.path === '/sales/silent/events')
      return new Promise<Response>(() => {
        raw.signal.addEventListener('abort', () => abandoned++)
      })
    if (!request.path.endsWith('/events')) return Response.json({ remaining: 42 })
    let mine: ReadableStreamDefaultController<Uint8Array> | undefined
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        mine = controller
        open.add(controller)
        controller.enqueue(encoder.encode('data: {"remaining":42}\n\n'))
      },
      cancel() {
        if (mine) open.delete(mine)
        cancelled++
      },
    })
    return new Response(stream, {
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' },
    })
  })
  return {
    ...upstream,
    send(update) {
      for (const controller of open)
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(update)}\n\n`))
    },
    endAll() {
      for (const controller of open) controller.close()
      open.clear()
    },
    cancelled: () => cancelled,
    abandoned: () => abandoned,
  }
}

export type EventReader = {
  status: number
  headers: Headers
  /** The next `data:` payload, parsed; null once the stream has ended. */
  next(): Promise<unknown>
  close(): Promise<void>
}

/**
 * Opens `GET <url>` as a client of server-sent events would.
 *
 * @example
 * const events = await openEvents(`${gateway.url}/sales/${id}/events`)
 * await events.next() // { remaining: 42 }
 */
export async function openEvents(url: string): Promise<EventReader> {
  const response = await fetch(url)
  const reader = response.body?.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  return {
    status: response.status,
    headers: response.headers,
    async next() {
      for (;;) {
        const end = buffer.indexOf('\n\n')
        if (end !== -1) {
          const event = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const data = /^data: (.*)$/m.exec(event)?.[1]
          if (data !== undefined) return JSON.parse(data)
          continue
        }
        const chunk = await reader?.read()
        if (!chunk || chunk.done) return null
        buffer += decoder.decode(chunk.value, { stream: true })
      }
    },
    close: async () => {
      await reader?.cancel()
    },
  }
}
