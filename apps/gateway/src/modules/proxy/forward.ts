export type AppAnswer = {
  status: number
  headers: Headers
  body: ReadableStream<Uint8Array> | null
}

/**
 * Sends a request the gateway has read whole (`body`) to `url` and resolves
 * with the app's answer once its headers have arrived; the body streams on.
 * `signal` (the breaker's) bounds that wait only.
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
): Promise<AppAnswer> {
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
