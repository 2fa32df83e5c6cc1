import { ChunkedDecoder } from './chunked-decoder.ts'

/** How the answer's body ends (RFC 9112 §6.3), and its bytes as they arrive. */
export type BodyFraming = {
  /** No body at all (204, 304). */
  none: boolean
  /** The body ends when the app closes the connection. */
  endsAtClose: boolean
  complete: boolean
  take(bytes: Uint8Array): Uint8Array[]
}

/**
 * The framing of an answer with this status and these headers; a HEAD's
 * answer has no body whatever its headers say (`noBody`).
 *
 * @example
 * const body = framingOf(200, headers)
 * for (const piece of body.take(bytes)) out.push(piece)
 * if (body.complete) finish()
 */
export function framingOf(status: number, headers: Headers): BodyFraming {
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) return noBody
  if (/\bchunked\b/i.test(headers.get('transfer-encoding') ?? '')) {
    const decoder = new ChunkedDecoder()
    return {
      none: false,
      endsAtClose: false,
      get complete() {
        return decoder.done
      },
      take: (bytes) => decoder.push(bytes),
    }
  }
  const length = headers.get('content-length')
  if (length !== null && /^\d+$/.test(length)) {
    let remaining = Number(length)
    return {
      none: false,
      endsAtClose: false,
      get complete() {
        return remaining === 0
      },
      take(bytes) {
        const piece = bytes.slice(0, remaining)
        remaining -= piece.byteLength
        return [piece]
      },
    }
  }
  return { none: false, endsAtClose: true, complete: false, take: (bytes) => [bytes.slice()] }
}

/** No body at all: 204, 304, an interim answer, or the answer to a HEAD. */
export const noBody: BodyFraming = Object.freeze({
  none: true,
  endsAtClose: false,
  complete: true,
  take: () => [],
})
