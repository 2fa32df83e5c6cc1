/** The status line and headers of an answer, and when they arrived. */
export type Head = { status: number; headers: Record<string, string>; at: number }

/** A request written on a socket of its own, and its answer's head when it comes. */
export type Exchange = {
  /** The answer's head; null when the connection closed or failed without one. */
  head: Promise<Head | null>
  /** Closes the socket (an attacker walking away); safe to call twice. */
  close: () => void
}

/**
 * Writes `bytes` exactly as given on a new connection to `base` and keeps
 * the connection open until `close()` or the server closes it. Not fetch:
 * fetch refuses to send a control byte in a header, cannot leave a body
 * unfinished on purpose, and shares one connection budget per process
 * (BUN_CONFIG_MAX_HTTP_REQUESTS), which the streams of an attack would use up
 * and so delay the probes of the same process.
 *
 * @example
 * const exchange = await rawExchange(url, 'GET /health HTTP/1.1\r\nhost: x\r\n\r\n')
 * (await exchange.head)?.status // 200
 * exchange.close()
 */
export async function rawExchange(base: string, bytes: string | Buffer): Promise<Exchange> {
  const { hostname, port } = new URL(base)
  const toSend = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes
  const { promise: head, resolve } = Promise.withResolvers<Head | null>()
  let received = Buffer.alloc(0)
  let sent = 0
  let closed = false
  const socket = await Bun.connect({
    hostname,
    port: Number(port),
    socket: {
      drain(s) {
        if (sent < toSend.length) sent += s.write(toSend.subarray(sent))
      },
      data(_s, chunk) {
        received = Buffer.concat([received, chunk])
        const end = received.indexOf('\r\n\r\n')
        if (end !== -1) resolve(parseHead(received.subarray(0, end).toString('latin1')))
      },
      close() {
        closed = true
        resolve(null)
      },
      error() {
        resolve(null)
      },
    },
  }).catch(() => null)
  if (!socket) return { head: Promise.resolve(null), close: () => {} }
  sent += socket.write(toSend)
  return {
    head,
    close() {
      if (!closed) socket.end()
      closed = true
    },
  }
}

/**
 * One whole request: sends it, waits for the answer's head (at most
 * `timeoutMs`), closes. Resolves to the status (0 for no answer) and the
 * milliseconds from the first byte sent to the head.
 *
 * @example
 * await rawRequest(url, 'GET /sales/1 HTTP/1.1\r\nhost: x\r\n\r\n', 15_000) // { status: 200, ms: 1.2 }
 */
export async function rawRequest(
  base: string,
  bytes: string | Buffer,
  timeoutMs: number,
): Promise<{ status: number; ms: number }> {
  const started = performance.now()
  const exchange = await rawExchange(base, bytes)
  const timer = Promise.withResolvers<null>()
  const timeout = setTimeout(() => timer.resolve(null), timeoutMs)
  const head = await Promise.race([exchange.head, timer.promise])
  clearTimeout(timeout)
  exchange.close()
  return { status: head?.status ?? 0, ms: (head?.at ?? performance.now()) - started }
}

/**
 * The text of a request, with `connection: close` unless the caller says otherwise.
 *
 * @example
 * requestText('POST', '/auth/login', { 'content-type': 'application/json' }, '{}')
 */
export function requestText(
  method: string,
  path: string,
  headers: Record<string, string>,
  body = '',
): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'host: 127.0.0.1']
  const all: Record<string, string> = { connection: 'close', ...headers }
  if (body && !('content-length' in all)) all['content-length'] = String(Buffer.byteLength(body))
  for (const [name, value] of Object.entries(all)) lines.push(`${name}: ${value}`)
  return `${lines.join('\r\n')}\r\n\r\n${body}`
}

function parseHead(text: string): Head {
  const [statusLine = '', ...lines] = text.split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status: Number(statusLine.split(' ')[1]), headers, at: performance.now() }
}
