const CR = 0x0d
const LF = 0x0a

type State =
  | 'size'
  | 'extension'
  | 'size-lf'
  | 'data'
  | 'data-cr'
  | 'data-lf'
  | 'trailer-start'
  | 'trailer-line'
  | 'trailer-lf'
  | 'end-lf'
  | 'done'

/** A chunk size longer than this many hex digits is not one an app sends. */
const MAX_SIZE_DIGITS = 8

/** The framing of a chunked body is broken; what follows cannot be trusted. */
export class MalformedChunkedBody extends Error {
  override name = 'MalformedChunkedBody'
}

/**
 * Turns an HTTP/1.1 chunked body (RFC 9112 §7.1) back into its bytes as
 * they arrive, in pieces split at any byte: each piece's body bytes come out
 * at once, so an event an app sends is passed on before the next arrives.
 * Chunk extensions and trailers are skipped.
 *
 * @example
 * const decoder = new ChunkedDecoder()
 * decoder.push(bytes('5\r\nhel')) // [bytes('hel')]
 * decoder.push(bytes('lo\r\n0\r\n\r\n')) // [bytes('lo')], decoder.done === true
 */
export class ChunkedDecoder {
  #state: State = 'size'
  #size = 0
  #digits = 0
  #remaining = 0

  /** True once the last chunk and the trailers have arrived. */
  get done(): boolean {
    return this.#state === 'done'
  }

  /**
   * The body bytes in `input` (copies: the caller may reuse its buffer).
   * Throws MalformedChunkedBody on broken framing; bytes after the end are ignored.
   */
  push(input: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = []
    let at = 0
    while (at < input.length && this.#state !== 'done') {
      const byte = input[at] as number
      switch (this.#state) {
        case 'size': {
          const digit = hexValue(byte)
          if (digit >= 0) {
            if (++this.#digits > MAX_SIZE_DIGITS)
              throw new MalformedChunkedBody('chunk size too long')
            this.#size = this.#size * 16 + digit
          } else if (this.#digits === 0) throw new MalformedChunkedBody('chunk size expected')
          else if (byte === CR) this.#state = 'size-lf'
          else if (byte === 0x3b || byte === 0x20 || byte === 0x09) this.#state = 'extension'
          else throw new MalformedChunkedBody('bad chunk size')
          at++
          break
        }
        case 'extension': {
          const cr = input.indexOf(CR, at)
          if (cr === -1) at = input.length
          else {
            this.#state = 'size-lf'
            at = cr + 1
          }
          break
        }
        case 'size-lf':
          expectByte(byte, LF)
          at++
          this.#remaining = this.#size
          this.#state = this.#size === 0 ? 'trailer-start' : 'data'
          this.#size = 0
          this.#digits = 0
          break
        case 'data': {
          const end = Math.min(input.length, at + this.#remaining)
          out.push(input.slice(at, end))
          this.#remaining -= end - at
          at = end
          if (this.#remaining === 0) this.#state = 'data-cr'
          break
        }
        case 'data-cr':
          expectByte(byte, CR)
          at++
          this.#state = 'data-lf'
          break
        case 'data-lf':
          expectByte(byte, LF)
          at++
          this.#state = 'size'
          break
        case 'trailer-start':
          this.#state = byte === CR ? 'end-lf' : 'trailer-line'
          at++
          break
        case 'trailer-line': {
          const cr = input.indexOf(CR, at)
          if (cr === -1) at = input.length
          else {
            this.#state = 'trailer-lf'
            at = cr + 1
          }
          break
        }
        case 'trailer-lf':
          expectByte(byte, LF)
          at++
          this.#state = 'trailer-start'
          break
        case 'end-lf':
          expectByte(byte, LF)
          at++
          this.#state = 'done'
          break
      }
    }
    return out
  }
}

function expectByte(byte: number, wanted: number): void {
  if (byte !== wanted) throw new MalformedChunkedBody('bad chunk framing')
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x41 + 10
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10
  return -1
}
