import { describe, expect, it } from 'bun:test'
import { type ServerSentEvent, SseParser } from '../src/sse-parser.ts'

/** Feeds `chunks` one after another and returns every event, with the parser's retry advice. */
function parse(chunks: string[]): { events: ServerSentEvent[]; retryMs: number | undefined } {
  const parser = new SseParser()
  const events = chunks.flatMap((chunk) => parser.push(chunk))
  return { events, retryMs: parser.retryMs }
}

/** Every way of cutting `text` in two, so that no chunk boundary changes what is parsed. */
function everySplit(text: string): string[][] {
  return Array.from({ length: text.length + 1 }, (_, at) => [text.slice(0, at), text.slice(at)])
}

describe('reading a text/event-stream', () => {
  it('turns data lines into events at each blank line and skips comments (the heartbeat)', () => {
    const stream =
      'data: {"remaining":3,"status":"live"}\n\n: keep-alive\n\ndata: {"remaining":2,"status":"live"}\n\n'
    expect(parse([stream])).toEqual({
      events: [
        { type: 'message', data: '{"remaining":3,"status":"live"}' },
        { type: 'message', data: '{"remaining":2,"status":"live"}' },
      ],
      retryMs: undefined,
    })
  })

  it('reads the same events however the bytes are cut into chunks, with LF, CRLF or CR line ends', () => {
    for (const end of ['\n', '\r\n', '\r']) {
      const stream = `\uFEFFdata: a${end}data:b${end}${end}:c${end}event: x${end}id: 7${end}retry: 900${end}data${end}${end}`
      const whole = parse([stream])
      expect(whole).toEqual({
        events: [
          { type: 'message', data: 'a\nb' },
          { type: 'x', data: '', id: '7' },
        ],
        retryMs: 900,
      })
      for (const chunks of everySplit(stream)) expect(parse(chunks)).toEqual(whole)
    }
  })

  it('dispatches nothing for an event the stream did not finish with a blank line', () => {
    expect(parse(['data: {"remaining":1}\n', 'data: more']).events).toEqual([])
  })
})
