export type BodyLimits = {
  /** More bytes than this are refused as they arrive, never buffered. */
  maxBytes: number
  /** The whole body must have arrived this long after the handler started reading it. */
  timeoutMs: number
}

export type BodyRead =
  | { outcome: 'read'; bytes: Uint8Array | undefined }
  | { outcome: 'too_large' }
  | { outcome: 'timed_out' }
  | { outcome: 'client_gone' }

/**
 * Reads a request's body in the gateway, within a size limit and a deadline,
 * before any app is called: a client that sends slowly, too much, or leaves
 * half-way then costs the app nothing and cannot be mistaken for the app
 * failing. A body with a Content-Length is bounded by it (checked first); a
 * chunked one is counted chunk by chunk.
 *
 * @example
 * const body = await readBody(request, { maxBytes: 16384, timeoutMs: 5000 })
 * if (body.outcome === 'read') await fetch(url, { method: 'POST', body: body.bytes })
 */
export function readBody(request: Request, limits: BodyLimits): Promise<BodyRead> {
  // A declared length is read in one go: `request.body` would build a stream first.
  const declared = request.headers.get('content-length')
  if (declared !== null) {
    const length = Number(declared)
    if (length > limits.maxBytes) return Promise.resolve({ outcome: 'too_large' })
    if (length === 0) return Promise.resolve({ outcome: 'read', bytes: undefined })
    return withDeadline(
      request.arrayBuffer().then(
        (buffer): BodyRead => ({ outcome: 'read', bytes: new Uint8Array(buffer) }),
        (): BodyRead => ({ outcome: 'client_gone' }),
      ),
      limits.timeoutMs,
    )
  }
  const stream = request.body
  if (stream === null) return Promise.resolve({ outcome: 'read', bytes: undefined })
  return readCounted(stream, limits)
}

function withDeadline(reading: Promise<BodyRead>, timeoutMs: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ outcome: 'timed_out' }), timeoutMs)
    reading.then((read) => {
      clearTimeout(timer)
      resolve(read)
    })
  })
}

async function readCounted(
  stream: ReadableStream<Uint8Array>,
  limits: BodyLimits,
): Promise<BodyRead> {
  const reader = stream.getReader()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    reader.cancel().catch(() => {})
  }, limits.timeoutMs)
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (timedOut) return { outcome: 'timed_out' }
      if (done) break
      size += value.byteLength
      if (size > limits.maxBytes) {
        reader.cancel().catch(() => {})
        return { outcome: 'too_large' }
      }
      chunks.push(value)
    }
  } catch {
    return { outcome: timedOut ? 'timed_out' : 'client_gone' }
  } finally {
    clearTimeout(timer)
  }
  return { outcome: 'read', bytes: size === 0 ? undefined : Buffer.concat(chunks, size) }
}
