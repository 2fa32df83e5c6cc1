export type SeenRequest = {
  method: string
  path: string
  headers: Record<string, string>
  body: string
}

export type StubUpstream = {
  url: string
  /** Every request that reached it, in order, with its whole body. */
  seen: SeenRequest[]
  /** Requests that reached it over HTTP, counted as their headers arrive (a body may never follow). */
  calls(): number
  /** The same recording handler, for a gateway that runs the app in its process. */
  handle(request: Request): Promise<Response>
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * A real HTTP server in the test process standing in for an app, for tests
 * about the hop itself: it records what reached it and answers with
 * `answer` (by default 200 with the request echoed as JSON).
 *
 * @example
 * await using upstream = startUpstream(() => new Response('boom', { status: 500 }))
 */
export function startUpstream(
  answer: (request: SeenRequest, raw: Request) => Response | Promise<Response> = (request) =>
    Response.json(request),
): StubUpstream {
  const seen: SeenRequest[] = []
  let calls = 0
  const handle = async (request: Request) => {
    const url = new URL(request.url)
    const entry = {
      method: request.method,
      path: `${url.pathname}${url.search}`,
      headers: Object.fromEntries(request.headers),
      body: await request.text(),
    }
    seen.push(entry)
    return answer(entry, request)
  }
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    // Streams in these tests stay open far longer than Bun's default 10 s idle limit.
    idleTimeout: 0,
    fetch(request) {
      calls++
      return handle(request)
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    seen,
    calls: () => calls,
    handle,
    [Symbol.asyncDispose]: () => server.stop(true),
  }
}
