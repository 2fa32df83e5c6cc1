import { describe, expect, it } from 'bun:test'
import { StreamSlots } from '../src/modules/proxy/event-stream/stream-slots.ts'
import {
  MalformedResponseHead,
  parseResponseHead,
} from '../src/modules/proxy/http1/response-head.ts'

const bytes = (text: string) => new TextEncoder().encode(text)

describe('the event stream slots', () => {
  it('holds each client to its cap and everyone to the total, and gives a slot back once per release', () => {
    const slots = new StreamSlots({ perClient: 2, total: 3 })

    const a1 = slots.take('a')
    const a2 = slots.take('a')
    const a3 = slots.take('a')
    const b1 = slots.take('b')
    const c1 = slots.take('c')
    if (a1.taken) {
      a1.release()
      a1.release()
    }
    const c2 = slots.take('c')
    const d1 = slots.take('d')

    expect({
      taken: [a1, a2, a3, b1, c1, c2, d1].map((slot) => (slot.taken ? 'taken' : slot.full)),
      open: slots.open,
    }).toEqual({
      taken: ['taken', 'taken', 'client', 'taken', 'total', 'taken', 'total'],
      open: 3,
    })
  })
})

describe('the answer head parser', () => {
  it('waits for the whole head, then gives the status, the headers and where the body starts', () => {
    const head =
      'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n'

    const partial = parseResponseHead(bytes(head.slice(0, -2)))
    const whole = parseResponseHead(bytes(`${head}data: 1`))

    expect({
      partial,
      status: whole?.status,
      type: whole?.headers.get('content-type'),
      cookies: whole?.headers.getSetCookie(),
      body: whole && new TextDecoder().decode(bytes(`${head}data: 1`).subarray(whole.bodyStart)),
    }).toEqual({
      partial: null,
      status: 200,
      type: 'text/event-stream',
      cookies: ['a=1', 'b=2'],
      body: 'data: 1',
    })
  })

  it('refuses what is not an HTTP/1.1 answer head, or one too large to be an app’s', () => {
    const broken = [
      'SSH-2.0-OpenSSH\r\n\r\n',
      'HTTP/1.1 20 OK\r\n\r\n',
      'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
      `HTTP/1.1 200 OK\r\nx: ${'y'.repeat(20_000)}`,
    ]

    const refused = broken.map((text) => {
      try {
        parseResponseHead(bytes(text))
        return false
      } catch (error) {
        return error instanceof MalformedResponseHead
      }
    })

    expect(refused).toEqual(broken.map(() => true))
  })
})
