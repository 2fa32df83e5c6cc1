import { describe, expect, it } from 'bun:test'
import fc from 'fast-check'
import { ChunkedDecoder, MalformedChunkedBody } from '../src/modules/proxy/http1/chunked-decoder.ts'

const encoder = new TextEncoder()
const bytes = (text: string) => encoder.encode(text)

/** Decodes `pieces` one after another and joins what came out. */
function decode(pieces: Uint8Array[]) {
  const decoder = new ChunkedDecoder()
  const out = pieces.flatMap((piece) => decoder.push(piece))
  return { body: Buffer.concat(out).toString('latin1'), done: decoder.done }
}

/** `whole` cut at `cuts` (positions, any order, duplicates allowed). */
function split(whole: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b)
  return [0, ...at].map((start, i) => whole.subarray(start, at[i] ?? whole.length))
}

describe('the chunked body decoder', () => {
  it('gives back the body whatever the chunk sizes, extensions, trailers and the places the bytes are split', () => {
    const chunk = fc.record({
      data: fc.string({ minLength: 1, maxLength: 40 }),
      upper: fc.boolean(),
      extension: fc.constantFrom('', ';a=1', ';name="quoted;value"', ' ;x'),
    })
    fc.assert(
      fc.property(
        fc.array(chunk, { maxLength: 8 }),
        fc.constantFrom('', 'Expires: never\r\n', 'A: 1\r\nB: 2\r\n'),
        fc.array(fc.nat(), { maxLength: 12 }),
        (chunks, trailers, cuts) => {
          const encoded = `${chunks
            .map(({ data, upper, extension }) => {
              const size = Buffer.byteLength(data).toString(16)
              return `${upper ? size.toUpperCase() : size}${extension}\r\n${data}\r\n`
            })
            .join('')}0\r\n${trailers}\r\n`
          expect(decode(split(bytes(encoded), cuts))).toEqual({
            body: Buffer.from(chunks.map((c) => c.data).join('')).toString('latin1'),
            done: true,
          })
        },
      ),
    )
  })

  it('passes each piece of a chunk on as it arrives, before the chunk is complete', () => {
    const decoder = new ChunkedDecoder()

    const first = decoder.push(bytes('a\r\ndata: '))
    const second = decoder.push(bytes('42\n\n\r\n'))

    expect({
      first: first.map((b) => Buffer.from(b).toString()),
      second: second.map((b) => Buffer.from(b).toString()),
      done: decoder.done,
    }).toEqual({ first: ['data: '], second: ['42\n\n'], done: false })
  })

  it('refuses framing that is not chunked encoding', () => {
    const broken = ['zz\r\n', '\r\n', '5\r\nhello!!\r\n', '5\nhello\r\n', '123456789\r\n']

    const errors = broken.map((text) => {
      try {
        new ChunkedDecoder().push(bytes(text))
        return null
      } catch (error) {
        return error instanceof MalformedChunkedBody
      }
    })

    expect(errors).toEqual(broken.map(() => true))
  })
})
