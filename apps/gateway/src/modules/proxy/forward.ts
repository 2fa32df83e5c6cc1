/** Hop-by-hop headers (RFC 9110 §7.6.1) and ones Bun's fetch sets itself. */
const DROPPED_REQUEST_HEADERS = [
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'host',
  'te',
]
const DROPPED_RESPONSE_HEADERS = [
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-encoding',
  'content-length',
]

/**
 * Forwards a request to `upstream` as it came (method, path, query, headers,
 * streamed body), adding the request id and the client's address. `signal`
 * (the breaker's) bounds the wait for the answer's headers only, so a
 * long-lived body such as a server-sent event stream is not cut.
 *
 * @example
 * const response = await forward(request, 'http://127.0.0.1:3003', { requestId, clientIp }, signal)
 */
export async function forward(
  request: Request,
  upstream: string,
  context: { requestId: string; clientIp: string | undefined },
  signal: AbortSignal,
): Promise<Response> {
  const url = new URL(request.url)
  const headers = new Headers(request.headers)
  for (const name of DROPPED_REQUEST_HEADERS) headers.delete(name)
  headers.set('x-request-id', context.requestId)
  if (context.clientIp) {
    const prior = request.headers.get('x-forwarded-for')
    headers.set('x-forwarded-for', prior ? `${prior}, ${context.clientIp}` : context.clientIp)
  }
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD'
  const response = await fetch(`${upstream}${url.pathname}${url.search}`, {
    method: request.method,
    headers,
    body: hasBody ? request.body : undefined,
    redirect: 'manual',
    signal,
    decompress: false,
  })
  const out = new Headers(response.headers)
  for (const name of DROPPED_RESPONSE_HEADERS) out.delete(name)
  out.set('x-request-id', context.requestId)
  return new Response(response.body, { status: response.status, headers: out })
}
