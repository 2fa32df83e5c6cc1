/** One HTTP/1.1 answer as it came off the socket. */
export type RawAnswer = { status: number; headers: Record<string, string>; body: string }

export type RawRequest = {
  method: string
  path: string
  headers?: Record<string, string>
  body?: string
  /** Gives up (and rejects) when nothing complete came back by then. */
  timeoutMs?: number
}

/**
 * Sends one request over a socket of its own and reads the answer. Not
 * fetch: fetch refuses a body with GET, HEAD or TRACE, and the point is to
 * send every route every body. An event stream is answered with its head
 * only (its body never ends), and the socket is closed.
 *
 * @example
 * const answer = await rawRequest('http://127.0.0.1:3000', { method: 'GET', path: '/sales', body: '[]' })
 * answer.status // 200
 */
export async function rawRequest(base: string, request: RawRequest): Promise<RawAnswer> {
  const { hostname, port } = new URL(base)
  const body = Buffer.from(request.body ?? '')
  const head = [
    `${request.method} ${request.path} HTTP/1.1`,
    `host: ${hostname}:${port}`,
    'connection: close',
    ...Object.entries(request.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
    ...(body.length > 0 ? [`content-length: ${body.length}`] : []),
    '',
    '',
  ].join('\r\n')
  const toSend = Buffer.concat([Buffer.from(head), body])
  const received: Buffer[] = []
  const { promise, resolve, reject } = Promise.withResolvers<RawAnswer>()
  let sent = 0
  const finish = (error?: Error) => {
    const all = Buffer.concat(received)
    if (all.includes('\r\n\r\n')) resolve(parseAnswer(all, request.method))
    else reject(error ?? new Error('the connection closed without an answer'))
  }
  const timer = setTimeout(
    () => reject(new Error(`no answer in ${request.timeoutMs ?? 20_000} ms`)),
    request.timeoutMs ?? 20_000,
  )
  const socket = await Bun.connect({
    hostname,
    port: Number(port),
    socket: {
      // Large bodies go out in pieces: write returns what the kernel took, drain asks for more.
      drain(s) {
        if (sent < toSend.length) sent += s.write(toSend.subarray(sent))
      },
      data(s, chunk) {
        received.push(Buffer.from(chunk))
        const answer = parseIfStream(Buffer.concat(received))
        if (answer) {
          resolve(answer)
          s.end()
        }
      },
      // A server may answer a body over its limit before reading it and close at once: the
      // write then fails, and the answer already read is still the answer.
      close() {
        finish()
      },
      error(_s, error) {
        finish(error)
      },
    },
  })
  sent += socket.write(toSend)
  try {
    return await promise
  } finally {
    clearTimeout(timer)
    socket.end()
  }
}

/** The head of an event stream, which never ends by itself. */
function parseIfStream(bytes: Buffer): RawAnswer | undefined {
  const end = bytes.indexOf('\r\n\r\n')
  if (end === -1) return undefined
  const head = parseHead(bytes.subarray(0, end).toString('latin1'))
  if (!head.headers['content-type']?.startsWith('text/event-stream')) return undefined
  return { ...head, body: '' }
}

function parseAnswer(bytes: Buffer, method: string): RawAnswer {
  const end = bytes.indexOf('\r\n\r\n')
  if (end === -1) throw new Error(`an answer without a complete head: ${bytes.toString('latin1')}`)
  const head = parseHead(bytes.subarray(0, end).toString('latin1'))
  const rest = bytes.subarray(end + 4)
  if (method === 'HEAD') return { ...head, body: '' }
  const body =
    head.headers['transfer-encoding'] === 'chunked'
      ? dechunk(rest)
      : rest.subarray(0, Number(head.headers['content-length'] ?? rest.length))
  return { ...head, body: body.toString('utf8') }
}

function parseHead(text: string): Omit<RawAnswer, 'body'> {
  const [statusLine = '', ...lines] = text.split('\r\n')
  const status = Number(statusLine.split(' ')[1])
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status, headers }
}

/** Joins a chunked body's pieces (RFC 9112 §7.1), ignoring chunk extensions and trailers. */
function dechunk(bytes: Buffer): Buffer {
  const pieces: Buffer[] = []
  let at = 0
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at)
    if (lineEnd === -1) break
    const size = Number.parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16)
    if (!size) break
    pieces.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size))
    at = lineEnd + 2 + size + 2
  }
  return Buffer.concat(pieces)
}
