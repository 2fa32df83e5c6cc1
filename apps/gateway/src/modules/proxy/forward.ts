export type AppAnswer = {
  status: number
  headers: Headers
  body: ReadableStream<Uint8Array> | null
  /**
   * The answer itself when an app in this process made it: a Response of its
   * own for this request alone, which the gateway may hand on as it is.
   */
  inProcess?: Response
}

/** An app this process runs itself: the gateway hands it requests instead of sending them over HTTP. */
export type InProcessApp = (request: Request) => Response | Promise<Response>

/**
 * Sends a request the gateway has read whole (`body`) to `url` and resolves
 * with the app's answer once its headers have arrived; the body streams on.
 * `signal` (the breaker's) bounds that wait only. With `inProcess` the same
 * request goes to the app's handler in this process: no socket, no second
 * HTTP parse, the same headers and body.
 *
 * @example
 * const answer = await forward('http://127.0.0.1:3003/orders', 'POST', headers, bytes, signal)
 */
export async function forward(
  url: string,
  method: string,
  headers: Headers,
  body: Uint8Array | undefined,
  signal: AbortSignal,
  inProcess?: InProcessApp,
): Promise<AppAnswer> {
  if (inProcess) {
    const response = await inProcess(new Request(url, { method, headers, body, signal }))
    return { status: response.status, headers: response.headers, body: null, inProcess: response }
  }
  const response = await fetch(url, {
    method,
    headers,
    body,
    redirect: 'manual',
    signal,
    decompress: false,
  })
  return { status: response.status, headers: response.headers, body: response.body }
}
