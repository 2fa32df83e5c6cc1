import type { Socket } from 'bun'
import { type BodyFraming, framingOf } from '../http1/body-framing.ts'
import { concat, headerLines, parseResponseHead } from '../http1/response-head.ts'

/** The client went away before the app answered: nothing the app did wrong. */
export class ClientGone extends Error {
  override name = 'ClientGone'
}

/** The app could not be reached, or closed the connection before its answer's head. */
export class UpstreamClosed extends Error {
  override name = 'UpstreamClosed'
}

export type RelayCall = {
  /** The app's base URL, `http://host:port` (or https). */
  upstream: string
  /** Path and query, as the client asked. */
  target: string
  /** Request headers for the app; `host` and `connection` are the relay's own. */
  headers: Headers
  /** Aborted when the app took too long to answer (the breaker's timeout). */
  signal: AbortSignal
  /** The client's request signal: aborted when the client goes away. */
  clientSignal: AbortSignal
  /** Aborted when the gateway stops: the stream ends, and its client reconnects elsewhere. */
  stopSignal: AbortSignal
  /** Called once, when the stream is over, whichever side ended it. */
  onEnd: () => void
}

export type RelayedAnswer = {
  status: number
  headers: Headers
  body: ReadableStream<Uint8Array> | null
}

/** Chunks queued for a client that has not read them before the app's socket is paused. */
const QUEUED_CHUNKS = 16

/**
 * `GET` to an app over a connection of its own (HTTP/1.1, `Bun.connect`),
 * resolving with the answer's status and headers as soon as they arrive and
 * its body as a stream that passes on each piece the moment it comes: a
 * server-sent event stream lasts as long as its client stays, so it must not
 * hold one of the few requests Bun's fetch runs at once, which ordinary
 * requests to the same app need.
 *
 * Rejects with ClientGone when the client leaves first, with UpstreamClosed
 * when the app cannot be reached or closes before answering, or with
 * `signal.reason` at the timeout; `onEnd` runs in every case. A client that
 * stops reading pauses the app's socket, so the app sees it fall behind.
 *
 * @example
 * const answer = await relayEventStream({ upstream, target: '/sales/1/events', headers, signal, clientSignal: request.signal, onEnd: slot.release })
 * new Response(answer.body, { status: answer.status, headers: answer.headers })
 */
export function relayEventStream(call: RelayCall): Promise<RelayedAnswer> {
  const url = new URL(call.upstream)
  const tls = url.protocol === 'https:'
  const answered = Promise.withResolvers<RelayedAnswer>()
  let socket: Socket<undefined> | undefined
  let unsent: Uint8Array | undefined = requestHead(url, call.target, call.headers)
  let head: Uint8Array = new Uint8Array(0)
  let body: BodyFraming | undefined
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined
  let over = false

  const end = (error?: Error) => {
    if (over) return
    over = true
    call.signal.removeEventListener('abort', timedOut)
    call.clientSignal.removeEventListener('abort', clientLeft)
    call.stopSignal.removeEventListener('abort', stopping)
    if (error) socket?.terminate()
    else socket?.end()
    if (!controller)
      answered.reject(error ?? new UpstreamClosed('the app closed the connection before answering'))
    else
      try {
        if (error) controller.error(error)
        else controller.close()
      } catch {
        // The client cancelled the stream already.
      }
    call.onEnd()
  }
  const timedOut = () => end(call.signal.reason ?? new UpstreamClosed('timed out'))
  const clientLeft = () =>
    controller ? end() : end(new ClientGone('the client left before the app answered'))
  const stopping = () => end(controller ? undefined : new UpstreamClosed('the gateway is stopping'))

  const write = () => {
    if (!socket || !unsent) return
    const written = socket.write(unsent)
    unsent = written < unsent.byteLength ? unsent.subarray(Math.max(written, 0)) : undefined
  }

  const deliver = (bytes: Uint8Array) => {
    if (!controller || !body) return
    let pieces: Uint8Array[]
    try {
      pieces = body.take(bytes)
    } catch (error) {
      return end(error as Error)
    }
    for (const piece of pieces) if (piece.byteLength > 0) controller.enqueue(piece)
    if (body.complete) return end()
    if ((controller.desiredSize ?? 1) <= 0) socket?.pause()
  }

  const receive = (bytes: Uint8Array) => {
    if (over) return
    if (controller) return deliver(bytes)
    head = concat(head, bytes)
    let parsed: ReturnType<typeof parseResponseHead>
    try {
      parsed = parseResponseHead(head)
    } catch (error) {
      return end(error as Error)
    }
    if (!parsed) return
    call.signal.removeEventListener('abort', timedOut)
    body = framingOf(parsed.status, parsed.headers)
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (opened) => {
          controller = opened
        },
        pull: () => {
          socket?.resume()
        },
        cancel: () => end(),
      },
      { highWaterMark: QUEUED_CHUNKS },
    )
    answered.resolve({
      status: parsed.status,
      headers: parsed.headers,
      body: body.none ? null : stream,
    })
    deliver(head.subarray(parsed.bodyStart))
  }

  if (call.signal.aborted) timedOut()
  else if (call.clientSignal.aborted) clientLeft()
  else if (call.stopSignal.aborted) stopping()
  else {
    call.signal.addEventListener('abort', timedOut, { once: true })
    call.clientSignal.addEventListener('abort', clientLeft, { once: true })
    call.stopSignal.addEventListener('abort', stopping, { once: true })
    Bun.connect({
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(url.port) || (tls ? 443 : 80),
      tls,
      socket: {
        open(opened) {
          socket = opened
          if (over) return opened.terminate()
          write()
        },
        drain: write,
        data: (_socket, bytes) => receive(bytes),
        close: () => {
          if (!body)
            return end(new UpstreamClosed('the app closed the connection before answering'))
          if (body.endsAtClose) return end()
          end(new UpstreamClosed('the app closed the connection in the middle of the body'))
        },
        error: (_socket, error) => end(error),
        connectError: (_socket, error) =>
          end(new UpstreamClosed(`the app cannot be reached: ${error.message}`)),
      },
    }).catch(() => {
      // connectError has ended the call.
    })
  }
  return answered.promise
}

/** The request line and headers, with a `Connection: close` that gives the stream its own connection. */
function requestHead(url: URL, target: string, headers: Headers): Uint8Array {
  const text = `GET ${target} HTTP/1.1\r\nhost: ${url.host}\r\n`
  return Buffer.from(`${text}${headerLines(headers)}connection: close\r\n\r\n`, 'latin1')
}
