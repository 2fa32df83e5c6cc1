/**
 * Hop-by-hop headers (RFC 9110 §7.6.1), the framing the gateway sets anew
 * for the body it read, and `host`, which names the app instead.
 */
const DROPPED_REQUEST_HEADERS = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'content-length',
  'expect',
  'upgrade',
  'host',
  'te',
  'trailer',
]
const DROPPED_ANSWER_HEADERS = [
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-encoding',
  'content-length',
]

export type Hop = {
  /** The id the gateway accepted or made for this request (acceptRequestId). */
  requestId: string
  /** Proves to the app that the request came through the gateway. */
  serviceToken: string
  clientIp: string | undefined
}

/**
 * The headers an app gets: the client's, minus hop-by-hop ones, with the
 * request id, the gateway's service credential (whatever the client sent in
 * its place) and the client's address appended to X-Forwarded-For. Apps
 * believe that last entry only next to the credential.
 *
 * @example
 * fetch(url, { headers: headersForApp(request.headers, { requestId, serviceToken, clientIp }) })
 */
export function headersForApp(incoming: Headers, hop: Hop): Headers {
  const headers = new Headers(incoming)
  for (const name of DROPPED_REQUEST_HEADERS) headers.delete(name)
  headers.set('x-request-id', hop.requestId)
  headers.set('x-service-token', hop.serviceToken)
  if (hop.clientIp) {
    const prior = incoming.get('x-forwarded-for')
    headers.set('x-forwarded-for', prior ? `${prior}, ${hop.clientIp}` : hop.clientIp)
  }
  return headers
}

/**
 * The headers a client gets with an app's answer: the app's (its
 * Cache-Control included) minus hop-by-hop ones, with the request id and
 * `nosniff`, which every answer of the gateway carries.
 *
 * @example
 * new Response(answer.body, { status: answer.status, headers: headersForClient(answer.headers, requestId) })
 */
export function headersForClient(fromApp: Headers, requestId: string): Headers {
  return setClientHeaders(new Headers(fromApp), requestId)
}

/**
 * headersForClient in place, for an answer the gateway owns outright (one an
 * app in its process made for this request alone): no copy.
 *
 * @example
 * setClientHeaders(response.headers, requestId)
 */
export function setClientHeaders(headers: Headers, requestId: string): Headers {
  for (const name of DROPPED_ANSWER_HEADERS) headers.delete(name)
  headers.set('x-request-id', requestId)
  headers.set('x-content-type-options', 'nosniff')
  return headers
}
