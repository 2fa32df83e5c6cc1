export type RawAnswer = {
  status: number
  /** Lower-case names. */
  headers: Record<string, string>
  body: string
}

/**
 * Writes `request` byte for byte on a new connection (a Host header fetch
 * would never send, a body that never ends) and resolves with the answer
 * once the server has closed the connection: send `Connection: close`
 * unless the test is that the server closes it by itself.
 *
 * @example
 * await rawExchange(app.url, 'GET /ab/orders HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
 */
export async function rawExchange(base: string, request: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(base)
  const chunks: Uint8Array[] = []
  const closed = Promise.withResolvers<void>()
  await Bun.connect({
    hostname,
    port: Number(port),
    socket: {
      open: (socket) => {
        socket.write(request)
      },
      data: (_socket, data) => {
        chunks.push(new Uint8Array(data))
      },
      close: () => closed.resolve(),
      error: () => closed.resolve(),
    },
  })
  await closed.promise
  return parseAnswer(Buffer.concat(chunks).toString('latin1'))
}

function parseAnswer(text: string): RawAnswer {
  const end = text.indexOf('\r\n\r\n')
  if (end === -1) throw new Error(`no whole answer before the connection closed: ${text}`)
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4) }
}
