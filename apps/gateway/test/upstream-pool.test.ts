import { afterEach, describe, expect, it } from 'bun:test'
import { waitFor } from '@flash/testing'
import { UpstreamClosed } from '../src/modules/proxy/event-stream/relay.ts'
import { AnswerTooLarge, UpstreamPool } from '../src/modules/proxy/upstream-pool.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const never = () => new AbortController().signal

let cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const step of cleanup.reverse()) await step()
  cleanup = []
})

/** An app on Bun.serve that counts the connections requests arrive on and how many run at once. */
function app(handle: (request: Request) => Response | Promise<Response>) {
  const ports = new Set<number>()
  let running = 0
  let mostAtOnce = 0
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(request, server) {
      ports.add(server.requestIP(request)?.port ?? 0)
      mostAtOnce = Math.max(mostAtOnce, ++running)
      try {
        return await handle(request)
      } finally {
        running--
      }
    },
  })
  cleanup.push(() => server.stop(true))
  return {
    url: `http://127.0.0.1:${server.port}`,
    connections: () => ports.size,
    mostAtOnce: () => mostAtOnce,
  }
}

/**
 * A raw TCP app that answers each request as `answer` says, for what
 * Bun.serve never does: `close` ends the connection unanswered, and
 * `{ cut }` writes those bytes and closes.
 */
function rawApp(
  answer: (request: string, index: number) => string | 'close' | { cut: string },
  onClose: () => void = () => {},
) {
  let index = 0
  const server = Bun.listen<{ buffered: string }>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(socket) {
        socket.data = { buffered: '' }
      },
      data(socket, bytes) {
        socket.data.buffered += decoder.decode(bytes)
        const end = socket.data.buffered.indexOf('\r\n\r\n')
        if (end === -1) return
        const request = socket.data.buffered.slice(0, end)
        socket.data.buffered = ''
        const reply = answer(request, index++)
        if (reply === 'close') socket.end()
        else if (typeof reply === 'object') socket.end(reply.cut)
        else socket.write(reply)
      },
      close: onClose,
    },
  })
  cleanup.push(() => server.stop(true))
  return `http://127.0.0.1:${server.port}`
}

const pool = (url: string, options: ConstructorParameters<typeof UpstreamPool>[1] = {}) => {
  const made = new UpstreamPool(url, options)
  cleanup.push(() => made.close())
  return made
}

const text = (body: Uint8Array | null) => (body === null ? null : decoder.decode(body))

describe('keep-alive connections to an app', () => {
  it('sends requests one after another over one connection, bodies and headers intact', async () => {
    const upstream = app(async (request) =>
      Response.json(
        { method: request.method, body: await request.text(), key: request.headers.get('x-key') },
        { status: 201, headers: { 'x-app': 'yes' } },
      ),
    )
    const connections = pool(upstream.url)
    const answers = []
    for (let i = 0; i < 5; i++)
      answers.push(
        await connections.send(
          'POST',
          '/orders?x=1',
          new Headers({ 'x-key': `k${i}` }),
          encoder.encode(`{"n":${i}}`),
          never(),
        ),
      )

    expect(
      answers.map((a) => ({ status: a.status, app: a.headers.get('x-app'), body: text(a.body) })),
    ).toEqual(
      [0, 1, 2, 3, 4].map((i) => ({
        status: 201,
        app: 'yes',
        body: JSON.stringify({ method: 'POST', body: `{"n":${i}}`, key: `k${i}` }),
      })),
    )
    expect(upstream.connections()).toBe(1)
  })

  it('reads chunked, empty and HEAD answers to the end and keeps the connection', async () => {
    const upstream = app((request) => {
      const path = new URL(request.url).pathname
      if (path === '/chunked')
        return new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(encoder.encode('hel'))
              controller.enqueue(encoder.encode('lo'))
              controller.close()
            },
          }),
        )
      if (path === '/empty') return new Response(null, { status: 204 })
      return new Response('a body HEAD never gets', { headers: { 'x-path': path } })
    })
    const connections = pool(upstream.url)
    const chunked = await connections.send('GET', '/chunked', new Headers(), undefined, never())
    const empty = await connections.send('DELETE', '/empty', new Headers(), undefined, never())
    const head = await connections.send('HEAD', '/head', new Headers(), undefined, never())
    const after = await connections.send('GET', '/after', new Headers(), undefined, never())

    expect([chunked, empty, head, after].map((a) => [a.status, text(a.body)])).toEqual([
      [200, 'hello'],
      [204, null],
      [200, null],
      [200, 'a body HEAD never gets'],
    ])
    expect(upstream.connections()).toBe(1)
  })

  it('never opens more connections than its limit; the rest wait their turn', async () => {
    const upstream = app(async () => {
      // A turn of the event loop, so requests overlap as they would at an app doing work.
      await new Promise((resolve) => setImmediate(resolve))
      return new Response('ok')
    })
    const connections = pool(upstream.url, { maxConnections: 4 })
    const answers = await Promise.all(
      Array.from({ length: 200 }, () =>
        connections.send('GET', '/', new Headers(), undefined, never()),
      ),
    )

    expect(answers.every((a) => a.status === 200 && text(a.body) === 'ok')).toBe(true)
    expect(upstream.mostAtOnce()).toBeLessThanOrEqual(4)
    expect(upstream.connections()).toBeLessThanOrEqual(4)
  })

  it('sends a GET again on a new connection when a reused one closes before answering; never a POST', async () => {
    const ok = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'
    // Each connection answers its first request and closes on its second, unanswered.
    const seen: string[] = []
    const url = rawApp((request) => {
      seen.push(request.split('\r\n')[0] ?? '')
      return seen.length % 2 === 0 ? 'close' : ok
    })
    const connections = pool(url, { maxConnections: 1 })
    const first = await connections.send('GET', '/1', new Headers(), undefined, never())
    const retried = await connections.send('GET', '/2', new Headers(), undefined, never())
    const third = await connections.send('GET', '/3', new Headers(), undefined, never())
    const post = connections.send('POST', '/4', new Headers(), new Uint8Array(1), never())

    expect([first, retried, third].map((a) => text(a.body))).toEqual(['ok', 'ok', 'ok'])
    expect(post).rejects.toBeInstanceOf(UpstreamClosed)
    await post.catch(() => {})
    expect(seen).toEqual([
      'GET /1 HTTP/1.1',
      'GET /2 HTTP/1.1',
      'GET /2 HTTP/1.1',
      'GET /3 HTTP/1.1',
      'GET /3 HTTP/1.1',
      'POST /4 HTTP/1.1',
    ])
  })

  it('fails a request whose answer is cut off or too large, and serves the next one', async () => {
    const url = rawApp((request) => {
      if (request.startsWith('GET /cut'))
        return { cut: 'HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhalf' }
      if (request.startsWith('GET /large'))
        return `HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n${'x'.repeat(100)}`
      return 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'
    })
    const connections = pool(url, { maxAnswerBytes: 50 })

    expect(
      connections.send('GET', '/large', new Headers(), undefined, never()),
    ).rejects.toBeInstanceOf(AnswerTooLarge)
    expect(connections.send('GET', '/cut', new Headers(), undefined, never())).rejects.toThrow(
      'the app closed the connection in the middle of its answer',
    )
    const next = await connections.send('GET', '/next', new Headers(), undefined, never())
    expect(text(next.body)).toBe('ok')
  })

  it('gives up at the signal and drops the connection; the next request gets a fresh one', async () => {
    let calls = 0
    // The first request is held until the test ends: its answer never comes in time.
    const held = Promise.withResolvers<void>()
    cleanup.push(() => held.resolve())
    const upstream = app(async () => {
      calls++
      if (calls === 1) await held.promise
      return new Response('late or not')
    })
    const connections = pool(upstream.url)
    const timedOut = connections.send('GET', '/', new Headers(), undefined, AbortSignal.timeout(50))

    expect(timedOut).rejects.toThrow()
    await timedOut.catch(() => {})
    const next = await connections.send('GET', '/', new Headers(), undefined, never())
    expect(text(next.body)).toBe('late or not')
    expect(upstream.connections()).toBe(2)
  })

  it('fails at once when nothing listens', async () => {
    const connections = pool('http://127.0.0.1:9')
    expect(connections.send('GET', '/', new Headers(), undefined, never())).rejects.toBeInstanceOf(
      UpstreamClosed,
    )
  })

  it('closes connections left idle, and opens a fresh one when needed again', async () => {
    let closed = 0
    const url = rawApp(
      () => 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok',
      () => closed++,
    )
    const connections = pool(url, { idleMs: 50 })
    await Promise.all(
      [1, 2, 3].map(() => connections.send('GET', '/', new Headers(), undefined, never())),
    )
    await waitFor(() => closed === 3, { timeoutMs: 5_000, what: 'the idle connections closed' })
    const again = await connections.send('GET', '/', new Headers(), undefined, never())
    expect({ closed, body: text(again.body) }).toEqual({ closed: 3, body: 'ok' })
  })
})
