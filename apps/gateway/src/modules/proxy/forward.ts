import { UpstreamPool } from './upstream-pool.ts'

export type AppAnswer = {
  status: number
  headers: Headers
  body: ReadableStream<Uint8Array> | Uint8Array | null
  /**
   * The answer itself when an app in this process made it: a Response of its
   * own for this request alone, which the gateway may hand on as it is.
   */
  inProcess?: Response
}

/** An app this process runs itself: the gateway hands it requests instead of sending them over HTTP. */
export type InProcessApp = (request: Request) => Response | Promise<Response>

/** The apps a gateway process may run itself: checkout, the hot path (CHECKOUT_IN_PROCESS). */
export type InProcessApps = { checkout?: InProcessApp }

/**
 * Where the gateway sends a request it has read whole (`body`): resolves
 * with the app's answer; `signal` (the breaker's) bounds the wait.
 */
export type Upstream = {
  send(
    method: string,
    target: string,
    headers: Headers,
    body: Uint8Array | undefined,
    signal: AbortSignal,
  ): Promise<AppAnswer>
  close(): void
}

/**
 * An app in another process, at `base`: over pooled keep-alive connections
 * (UpstreamPool) for `http:`, and with `fetch` for anything else (TLS).
 *
 * @example
 * const checkout = httpUpstream('http://127.0.0.1:3003')
 * await checkout.send('POST', '/orders', headers, bytes, signal)
 */
export function httpUpstream(base: string): Upstream {
  if (new URL(base).protocol === 'http:') {
    const pool = new UpstreamPool(base)
    return { send: (...call) => pool.send(...call), close: () => pool.close() }
  }
  return {
    async send(method, target, headers, body, signal) {
      const response = await fetch(`${base}${target}`, {
        method,
        headers,
        body,
        redirect: 'manual',
        signal,
        decompress: false,
      })
      return { status: response.status, headers: response.headers, body: response.body }
    },
    close: () => {},
  }
}

/**
 * An app in this process: the same request goes to its handler, with no
 * socket and no second HTTP parse. Its URL is the app's own address, as the
 * app would see it over HTTP.
 *
 * @example
 * const checkout = inProcessUpstream('http://127.0.0.1:3003', (request) => app.fetch(request))
 */
export function inProcessUpstream(base: string, app: InProcessApp): Upstream {
  return {
    async send(method, target, headers, body) {
      // As over HTTP, the length frames the body: without it the app would read it as a stream.
      if (body) headers.set('content-length', String(body.byteLength))
      const response = await app(new Request(`${base}${target}`, { method, headers, body }))
      return { status: response.status, headers: response.headers, body: null, inProcess: response }
    },
    close: () => {},
  }
}
