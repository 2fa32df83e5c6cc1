import { type Deadline, Deadlines, systemClock } from '@flash/breaker'

export type BodyLimits = {
  /** More bytes than this are refused as they arrive, never buffered. */
  maxBytes: number
  /** When set, the whole body must have arrived this long after reading began. */
  timeoutMs?: number
}

export type BodyRead =
  | { outcome: 'read'; bytes: Uint8Array }
  | { outcome: 'too_large' }
  | { outcome: 'timed_out' }
  | { outcome: 'client_gone' }

const EMPTY: BodyRead = { outcome: 'read', bytes: new Uint8Array(0) }

/**
 * A request's body within a size limit and, optionally, a deadline. A body
 * with a Content-Length is bounded by it (checked before reading, then read
 * in one step: `request.body` would build a stream first); a chunked one is
 * counted as it arrives and abandoned at the first byte over the limit, so
 * one request can never make the process buffer more than `maxBytes`. The
 * gateway reads every body this way before calling an app, so a client that
 * sends slowly, too much, or leaves half-way costs the app nothing; the apps
 * read theirs without a deadline (Bun closes a connection idle for 30 s).
 *
 * @example
 * const body = await readBody(request, { maxBytes: 16_384, timeoutMs: 5_000 })
 * if (body.outcome === 'too_large') return apiError(413, 'payload_too_large', 'body over 16384 bytes')
 */
export function readBody(request: Request, limits: BodyLimits): Promise<BodyRead> {
  const declared = request.headers.get('content-length')
  if (declared !== null) {
    if (Number(declared) > limits.maxBytes) return Promise.resolve({ outcome: 'too_large' })
    const reading = request.arrayBuffer().then(
      (buffer): BodyRead =>
        // Over HTTP the length frames the body; a Request built in process can carry more.
        buffer.byteLength > limits.maxBytes
          ? { outcome: 'too_large' }
          : { outcome: 'read', bytes: new Uint8Array(buffer) },
      (): BodyRead => ({ outcome: 'client_gone' }),
    )
    return limits.timeoutMs === undefined ? reading : withDeadline(reading, limits.timeoutMs)
  }
  const stream = request.body
  if (stream === null) return Promise.resolve(EMPTY)
  return readCounted(stream, limits)
}

/** One queue and one timer per deadline length: a timer per request costs more than the read. */
const deadlines = new Map<number, Deadlines>()

function deadlineIn(timeoutMs: number, expire: () => void): Deadline {
  let queue = deadlines.get(timeoutMs)
  if (!queue) {
    queue = new Deadlines(systemClock, timeoutMs)
    deadlines.set(timeoutMs, queue)
  }
  return queue.add(expire)
}

function withDeadline(reading: Promise<BodyRead>, timeoutMs: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const deadline = deadlineIn(timeoutMs, () => resolve({ outcome: 'timed_out' }))
    reading.then((read) => {
      deadline.settle()
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
  const deadline =
    limits.timeoutMs === undefined
      ? undefined
      : deadlineIn(limits.timeoutMs, () => {
          timedOut = true
          reader.cancel().catch(() => {})
        })
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
    deadline?.settle()
  }
  if (chunks.length === 1) return { outcome: 'read', bytes: chunks[0] as Uint8Array }
  return { outcome: 'read', bytes: Buffer.concat(chunks, size) }
}
