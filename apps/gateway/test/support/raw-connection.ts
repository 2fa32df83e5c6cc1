import type { Socket } from 'bun'

export type RawAnswer = {
  status: number
  /** Lower-case names; a repeated header keeps its last value. */
  headers: Record<string, string>
  body: string
}

/**
 * One TCP connection to an HTTP server that sends exactly the bytes a test
 * writes: a header fetch would refuse, a body that stops half-way, a client
 * that leaves mid-request.
 *
 * @example
 * const connection = await RawConnection.open(gateway.url)
 * connection.write('POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabcd')
 * const answer = await connection.answer() // { status: 408, headers, body }
 */
export class RawConnection {
  received = new Uint8Array(0)
  #closed = Promise.withResolvers<void>()
  #changed = Promise.withResolvers<void>()
  #isClosed = false

  private constructor(private readonly socket: Socket<undefined>) {}

  static async open(base: string): Promise<RawConnection> {
    const { hostname, port } = new URL(base)
    let connection: RawConnection | undefined
    const socket = await Bun.connect({
      hostname,
      port: Number(port),
      socket: {
        data(_socket, data) {
          connection?.receive(data)
        },
        close() {
          connection?.markClosed()
        },
        error() {
          connection?.markClosed()
        },
      },
    })
    connection = new RawConnection(socket)
    return connection
  }

  write(data: string | Uint8Array): void {
    this.socket.write(data)
  }

  /** Resolves once the server has closed the connection (or it broke). */
  get closed(): Promise<void> {
    return this.#closed.promise
  }

  close(): void {
    this.socket.end()
  }

  /**
   * The first complete answer (by Content-Length, chunked framing, or the
   * server closing), or an error if the connection closes before one.
   */
  async answer(): Promise<RawAnswer> {
    for (;;) {
      const parsed = parseAnswer(this.received, this.#isClosed)
      if (parsed) return parsed
      if (this.#isClosed)
        throw new Error(
          `connection closed before a whole answer: ${JSON.stringify(new TextDecoder().decode(this.received))}`,
        )
      await this.#changed.promise
    }
  }

  private receive(data: Uint8Array): void {
    const next = new Uint8Array(this.received.byteLength + data.byteLength)
    next.set(this.received)
    next.set(data, this.received.byteLength)
    this.received = next
    this.#signal()
  }

  private markClosed(): void {
    this.#isClosed = true
    this.#closed.resolve()
    this.#signal()
  }

  #signal(): void {
    const changed = this.#changed
    this.#changed = Promise.withResolvers<void>()
    changed.resolve()
  }
}

/**
 * Sends `request` on a fresh connection and returns the answer.
 *
 * @example
 * await rawRequest(gateway.url, 'GET /products HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
 */
export async function rawRequest(base: string, request: string | Uint8Array): Promise<RawAnswer> {
  const connection = await RawConnection.open(base)
  try {
    connection.write(request)
    return await connection.answer()
  } finally {
    connection.close()
  }
}

const latin1 = new TextDecoder('latin1')
const utf8 = new TextDecoder()

function parseAnswer(bytes: Uint8Array, closed: boolean): RawAnswer | null {
  const text = latin1.decode(bytes)
  const headEnd = text.indexOf('\r\n\r\n')
  if (headEnd === -1) return null
  const [statusLine = '', ...headerLines] = text.slice(0, headEnd).split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of headerLines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const status = Number(statusLine.split(' ')[1])
  const rest = bytes.subarray(headEnd + 4)
  const length = headers['content-length']
  if (length !== undefined) {
    if (rest.byteLength < Number(length)) return null
    return { status, headers, body: utf8.decode(rest.subarray(0, Number(length))) }
  }
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    const body = dechunk(latin1.decode(rest))
    return body === null ? null : { status, headers, body: utf8.decode(latin1Bytes(body)) }
  }
  return closed ? { status, headers, body: utf8.decode(rest) } : null
}

/** The body of a complete chunked message, or null while its last chunk has not arrived. */
function dechunk(text: string): string | null {
  let body = ''
  let at = 0
  for (;;) {
    const lineEnd = text.indexOf('\r\n', at)
    if (lineEnd === -1) return null
    const size = Number.parseInt(text.slice(at, lineEnd), 16)
    if (size === 0) return body
    if (text.length < lineEnd + 2 + size + 2) return null
    body += text.slice(lineEnd + 2, lineEnd + 2 + size)
    at = lineEnd + 2 + size + 2
  }
}

function latin1Bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0))
}
