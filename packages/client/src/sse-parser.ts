/** One server-sent event: its `event:` type (`message` by default) and its joined `data:` lines. */
export type ServerSentEvent = { type: string; data: string; id?: string }

/**
 * Turns the text of a `text/event-stream` into events, as the HTML
 * standard's event-stream parser does: lines end in LF, CRLF or CR (also
 * across chunks), `:` lines are comments, `data:` lines of one event are
 * joined with LF, and an event is dispatched at a blank line. `retry:` is
 * kept as the server's advice for the reconnection delay.
 *
 * @example
 * const parser = new SseParser()
 * parser.push('data: {"remaining":3}\n\n') // [{ type: 'message', data: '{"remaining":3}' }]
 */
export class SseParser {
  #line = ''
  #data: string[] = []
  #type = ''
  #id: string | undefined
  #afterCr = false
  #started = false
  /** The server's `retry:` advice in milliseconds, if it gave one. */
  retryMs: number | undefined

  push(chunk: string): ServerSentEvent[] {
    const events: ServerSentEvent[] = []
    let text = chunk
    if (!this.#started && text.length > 0) {
      this.#started = true
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    }
    let start = 0
    for (let i = 0; i < text.length; i++) {
      const char = text.charCodeAt(i)
      if (char !== LF && char !== CR) continue
      if (char === LF && this.#afterCr && i === start) {
        // The LF of a CRLF whose CR ended the previous chunk.
        this.#afterCr = false
        start = i + 1
        continue
      }
      this.#afterCr = false
      this.#line += text.slice(start, i)
      this.#takeLine(events)
      if (char === CR) {
        if (text.charCodeAt(i + 1) === LF) i++
        else if (i + 1 === text.length) this.#afterCr = true
      }
      start = i + 1
    }
    if (start < text.length) {
      this.#afterCr = false
      this.#line += text.slice(start)
    }
    return events
  }

  #takeLine(events: ServerSentEvent[]): void {
    const line = this.#line
    this.#line = ''
    if (line === '') {
      if (this.#data.length > 0)
        events.push({
          type: this.#type || 'message',
          data: this.#data.join('\n'),
          ...(this.#id === undefined ? {} : { id: this.#id }),
        })
      this.#data = []
      this.#type = ''
      return
    }
    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    switch (field) {
      case 'data':
        this.#data.push(value)
        break
      case 'event':
        this.#type = value
        break
      case 'id':
        if (!value.includes('\0')) this.#id = value
        break
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value)
        break
    }
  }
}

const LF = 10
const CR = 13
