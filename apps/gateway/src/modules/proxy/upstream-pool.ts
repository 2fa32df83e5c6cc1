import type { Socket } from 'bun'
import { UpstreamClosed } from './event-stream/relay.ts'
import { type BodyFraming, framingOf, noBody } from './http1/body-framing.ts'
import { concat, headerLines, parseResponseHead } from './http1/response-head.ts'

export type PooledAnswer = { status: number; headers: Headers; body: Uint8Array | null }

export type PoolOptions = {
  /** Connections open to the app at most; further requests wait for one to be free. */
  maxConnections: number
  /** An idle connection is closed after this long, well before the app's own idle timeout. */
  idleMs: number
  /** Larger answers are refused: apps answer small JSON, and the gateway buffers it. */
  maxAnswerBytes: number
}

export const defaultPoolOptions: PoolOptions = {
  maxConnections: 256,
  idleMs: 2_000,
  maxAnswerBytes: 8 * 1024 * 1024,
}

/** The app's answer did not fit the gateway's limit. */
export class AnswerTooLarge extends Error {
  override name = 'AnswerTooLarge'
}

type Exchange = {
  head: Uint8Array
  body: Uint8Array[]
  bodyBytes: number
  answer?: { status: number; headers: Headers }
  framing?: BodyFraming
  /** Whether the connection may carry another request once this answer is in. */
  reusable: boolean
  received: boolean
  resolve: (answer: PooledAnswer) => void
  reject: (error: Error) => void
}

type Connection = {
  /** Answers it has carried: a connection that carried one was found open by the next request. */
  served: number
  socket?: Socket<undefined>
  exchange?: Exchange
  unsent?: Uint8Array
  /** When it last went idle (performance.now()). */
  idleSince: number
  closed: boolean
}

/**
 * Keep-alive HTTP/1.1 connections to one app, written to and read from at
 * the socket: a request is one write of its head and body, and the answer is
 * parsed as it arrives, without the Request, Response and stream objects a
 * `fetch` builds per request. One request per connection at a time (no
 * pipelining), so an answer always belongs to the request in flight.
 *
 * A request that finds a reused connection closed before any byte of its
 * answer came back is sent once more on a new connection when its method is
 * idempotent; otherwise it fails as the app's failure, since the app may
 * have acted on it.
 *
 * @example
 * const pool = new UpstreamPool('http://127.0.0.1:3003')
 * const answer = await pool.send('POST', '/orders', headers, body, signal)
 */
export class UpstreamPool {
  readonly #host: string
  readonly #hostname: string
  readonly #port: number
  readonly #options: PoolOptions
  readonly #idle: Connection[] = []
  readonly #waiting: ((connection: Connection | null) => void)[] = []
  #open = 0
  #sweeper: ReturnType<typeof setTimeout> | undefined

  constructor(url: string, options: Partial<PoolOptions> = {}) {
    const parsed = new URL(url)
    if (parsed.protocol !== 'http:') throw new Error(`the pool speaks plain HTTP, not ${url}`)
    this.#host = parsed.host
    this.#hostname = parsed.hostname.replace(/^\[(.*)\]$/, '$1')
    this.#port = Number(parsed.port) || 80
    this.#options = { ...defaultPoolOptions, ...options }
  }

  async send(
    method: string,
    target: string,
    headers: Headers,
    body: Uint8Array | undefined,
    signal: AbortSignal,
  ): Promise<PooledAnswer> {
    const request = this.#serialize(method, target, headers, body)
    const idempotent = method !== 'POST' && method !== 'PATCH'
    for (let attempt = 0; ; attempt++) {
      const { connection, reused } = await this.#take(signal)
      try {
        return await this.#exchange(connection, request, method, signal)
      } catch (error) {
        const retry = reused && idempotent && attempt === 0 && error instanceof ClosedBeforeAnswer
        if (!retry) throw error
      }
    }
  }

  /** Closes every connection; requests in flight fail. */
  close(): void {
    clearTimeout(this.#sweeper)
    this.#sweeper = undefined
    for (const connection of this.#idle.splice(0)) this.#drop(connection)
    for (const waiter of this.#waiting.splice(0)) waiter(null)
  }

  #serialize(
    method: string,
    target: string,
    headers: Headers,
    body: Uint8Array | undefined,
  ): Uint8Array {
    const head =
      `${method} ${target} HTTP/1.1\r\nhost: ${this.#host}\r\n${headerLines(headers)}` +
      `content-length: ${body?.byteLength ?? 0}\r\n\r\n`
    const headBytes = Buffer.from(head, 'latin1')
    if (!body?.byteLength) return headBytes
    const out = new Uint8Array(headBytes.byteLength + body.byteLength)
    out.set(headBytes)
    out.set(body, headBytes.byteLength)
    return out
  }

  async #take(signal: AbortSignal): Promise<{ connection: Connection; reused: boolean }> {
    const idle = this.#idle.pop()
    if (idle) return { connection: idle, reused: idle.served > 0 }
    if (this.#open < this.#options.maxConnections)
      return { connection: this.#connect(), reused: false }
    const free = await new Promise<Connection | null>((resolve, reject) => {
      const onAbort = () => {
        const at = this.#waiting.indexOf(waiter)
        if (at >= 0) this.#waiting.splice(at, 1)
        reject(signal.reason ?? new UpstreamClosed('timed out waiting for a connection'))
      }
      const waiter = (connection: Connection | null) => {
        signal.removeEventListener('abort', onAbort)
        resolve(connection)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.#waiting.push(waiter)
    })
    if (!free) throw new UpstreamClosed('the pool is closed')
    return { connection: free, reused: free.served > 0 }
  }

  #connect(): Connection {
    this.#open++
    const connection: Connection = { served: 0, closed: false, idleSince: 0 }
    Bun.connect({
      hostname: this.#hostname,
      port: this.#port,
      socket: {
        open: (socket) => {
          connection.socket = socket
          if (connection.closed) return socket.terminate()
          this.#flush(connection)
        },
        drain: () => this.#flush(connection),
        data: (_socket, bytes) => this.#receive(connection, bytes),
        close: () => this.#closed(connection),
        error: () => this.#closed(connection),
        connectError: (_socket, error) =>
          this.#closed(
            connection,
            new UpstreamClosed(`the app cannot be reached: ${error.message}`),
          ),
      },
    }).catch(() => {
      // connectError has failed the exchange.
    })
    return connection
  }

  #exchange(
    connection: Connection,
    request: Uint8Array,
    method: string,
    signal: AbortSignal,
  ): Promise<PooledAnswer> {
    return new Promise<PooledAnswer>((resolve, reject) => {
      const onAbort = () => {
        connection.exchange = undefined
        this.#drop(connection)
        reject(signal.reason ?? new UpstreamClosed('timed out'))
      }
      if (signal.aborted) return onAbort()
      signal.addEventListener('abort', onAbort, { once: true })
      connection.exchange = {
        head: new Uint8Array(0),
        body: [],
        bodyBytes: 0,
        reusable: true,
        received: false,
        resolve: (answer) => {
          signal.removeEventListener('abort', onAbort)
          resolve(answer)
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort)
          reject(error)
        },
      }
      if (method === 'HEAD') connection.exchange.framing = noBody
      connection.unsent = request
      this.#flush(connection)
    })
  }

  #flush(connection: Connection): void {
    const { socket, unsent } = connection
    if (!socket || !unsent) return
    const written = socket.write(unsent)
    connection.unsent =
      written < unsent.byteLength ? unsent.subarray(Math.max(written, 0)) : undefined
  }

  #receive(connection: Connection, bytes: Uint8Array): void {
    const exchange = connection.exchange
    if (!exchange) {
      // Bytes nobody asked for: the connection is not sound.
      this.#drop(connection)
      return
    }
    exchange.received = true
    try {
      if (!exchange.answer) {
        exchange.head = concat(exchange.head, bytes)
        const head = parseResponseHead(exchange.head)
        if (!head) return
        const rest = exchange.head.subarray(head.bodyStart)
        if (head.status < 200) {
          // An interim answer (100 Continue): the real one follows.
          exchange.head = new Uint8Array(0)
          if (rest.byteLength) this.#receive(connection, rest.slice())
          return
        }
        exchange.answer = { status: head.status, headers: head.headers }
        exchange.reusable = !/\bclose\b/i.test(head.headers.get('connection') ?? '')
        exchange.framing ??= framingOf(head.status, head.headers)
        if (exchange.framing.endsAtClose) exchange.reusable = false
        this.#takeBody(exchange, rest)
      } else this.#takeBody(exchange, bytes)
    } catch (error) {
      connection.exchange = undefined
      this.#drop(connection)
      exchange.reject(error as Error)
      return
    }
    if (exchange.answer && exchange.framing?.complete) this.#finish(connection, exchange)
  }

  #takeBody(exchange: Exchange, bytes: Uint8Array): void {
    if (!exchange.framing || bytes.byteLength === 0) return
    // The pieces are copies: the socket reuses the buffer it hands over.
    for (const piece of exchange.framing.take(bytes)) {
      exchange.bodyBytes += piece.byteLength
      if (exchange.bodyBytes > this.#options.maxAnswerBytes)
        throw new AnswerTooLarge(`the answer is over ${this.#options.maxAnswerBytes} bytes`)
      exchange.body.push(piece)
    }
  }

  #finish(connection: Connection, exchange: Exchange): void {
    connection.exchange = undefined
    connection.served++
    const answer = exchange.answer as { status: number; headers: Headers }
    const body = exchange.framing?.none ? null : join(exchange.body, exchange.bodyBytes)
    if (exchange.reusable) this.#release(connection)
    else this.#drop(connection)
    exchange.resolve({ status: answer.status, headers: answer.headers, body })
  }

  #release(connection: Connection): void {
    const waiter = this.#waiting.shift()
    if (waiter) {
      waiter(connection)
      return
    }
    connection.idleSince = performance.now()
    this.#idle.push(connection)
    this.#sweepLater()
  }

  /**
   * One timer for every idle connection (a timer per release would be one
   * per request): idle connections are reused last-in first-out, so the
   * ones at the bottom of the stack are the ones idle longest.
   */
  #sweepLater(): void {
    if (this.#sweeper !== undefined) return
    this.#sweeper = setTimeout(() => {
      this.#sweeper = undefined
      const cutoff = performance.now() - this.#options.idleMs
      let stale = 0
      while (stale < this.#idle.length && (this.#idle[stale] as Connection).idleSince <= cutoff)
        stale++
      for (const connection of this.#idle.splice(0, stale)) this.#drop(connection)
      if (this.#idle.length > 0) this.#sweepLater()
    }, this.#options.idleMs)
  }

  #closed(connection: Connection, error?: Error): void {
    const exchange = connection.exchange
    connection.exchange = undefined
    const wasOpen = !connection.closed
    connection.closed = true
    const at = this.#idle.indexOf(connection)
    if (at >= 0) this.#idle.splice(at, 1)
    if (wasOpen) this.#forget()
    if (!exchange) return
    if (exchange.answer && exchange.framing?.endsAtClose) this.#finish(connection, exchange)
    else if (error) exchange.reject(error)
    else
      exchange.reject(
        exchange.received
          ? new UpstreamClosed('the app closed the connection in the middle of its answer')
          : new ClosedBeforeAnswer('the app closed the connection before answering'),
      )
  }

  #drop(connection: Connection): void {
    if (!connection.closed) {
      connection.closed = true
      this.#forget()
    }
    connection.socket?.terminate()
  }

  /** A connection is gone: a request waiting for one may open its own. */
  #forget(): void {
    this.#open--
    const waiter = this.#waiting.shift()
    if (waiter) waiter(this.#connect())
  }
}

/** No byte of the answer came back: on a reused connection, the app may never have read the request. */
class ClosedBeforeAnswer extends UpstreamClosed {}

function join(pieces: Uint8Array[], bytes: number): Uint8Array {
  if (pieces.length === 1) return pieces[0] as Uint8Array
  const out = new Uint8Array(bytes)
  let at = 0
  for (const piece of pieces) {
    out.set(piece, at)
    at += piece.byteLength
  }
  return out
}
