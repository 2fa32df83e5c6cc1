/** Larger answer heads are not an app's: the relay gives up on them. */
export const MAX_HEAD_BYTES = 16 * 1024

export type ResponseHead = {
  status: number
  headers: Headers
  /** Where the body starts in the bytes given. */
  bodyStart: number
}

/** The answer's status line or headers cannot be read. */
export class MalformedResponseHead extends Error {
  override name = 'MalformedResponseHead'
}

const latin1 = new TextDecoder('latin1')
const END = Buffer.from('\r\n\r\n')

/**
 * The status and headers of an HTTP/1.1 answer once all of them are in
 * `received`, or null while they are still arriving. Throws
 * MalformedResponseHead for a head that is not HTTP/1.x or too large.
 *
 * @example
 * parseResponseHead(bytes('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: 1'))
 * // { status: 200, headers: Headers { content-type: 'text/event-stream' }, bodyStart: 52 }
 */
export function parseResponseHead(received: Uint8Array): ResponseHead | null {
  const end = Buffer.from(received.buffer, received.byteOffset, received.byteLength).indexOf(END)
  if (end === -1) {
    if (received.byteLength > MAX_HEAD_BYTES) throw new MalformedResponseHead('head too large')
    return null
  }
  if (end > MAX_HEAD_BYTES) throw new MalformedResponseHead('head too large')
  const [statusLine = '', ...lines] = latin1.decode(received.subarray(0, end)).split('\r\n')
  const status = /^HTTP\/1\.[01] ([1-5]\d\d)(?: |$)/.exec(statusLine)?.[1]
  if (!status) throw new MalformedResponseHead(`bad status line ${JSON.stringify(statusLine)}`)
  const headers = new Headers()
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon <= 0) throw new MalformedResponseHead(`bad header line ${JSON.stringify(line)}`)
    try {
      headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim())
    } catch {
      throw new MalformedResponseHead(`bad header line ${JSON.stringify(line)}`)
    }
  }
  return { status: Number(status), headers, bodyStart: end + END.byteLength }
}

/**
 * The bytes of an answer's head so far and the piece that just came: heads
 * arrive in pieces, and the socket reuses the buffer it hands over, so the
 * first piece is copied too.
 *
 * @example
 * head = concat(head, bytes)
 */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return b.slice()
  const out = new Uint8Array(a.byteLength + b.byteLength)
  out.set(a)
  out.set(b, a.byteLength)
  return out
}

/**
 * Request headers as HTTP/1.1 lines. Bun's server never lets a line break
 * into a header; the check keeps it so for whatever else built them.
 *
 * @example
 * `GET / HTTP/1.1\r\nhost: ${host}\r\n${headerLines(headers)}\r\n`
 */
export function headerLines(headers: Headers): string {
  let lines = ''
  for (const [name, value] of headers) if (!/[\r\n]/.test(value)) lines += `${name}: ${value}\r\n`
  return lines
}
