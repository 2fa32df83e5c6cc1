import { BreakerOpenError, CircuitBreaker } from '@flash/breaker'
import type { ErrorCode } from '@flash/contracts'
import { acceptRequestId, apiError, type BodyLimits, readBody } from '@flash/http'
import { bearerToken, type Identity, type TokenVerifier } from '@flash/tokens'
import { Elysia } from 'elysia'
import { ClientGone, relayEventStream } from './event-stream/relay.ts'
import { type StreamLimits, StreamSlots } from './event-stream/stream-slots.ts'
import {
  type AppAnswer,
  httpUpstream,
  type InProcessApps,
  inProcessUpstream,
  type Upstream,
} from './forward.ts'
import { headersForApp, headersForClient, setClientHeaders } from './hop-headers.ts'
import { routeOf, type Upstreams } from './routes.ts'

export type ProxyConfig = {
  upstreams: Upstreams
  /**
   * Apps this process runs itself (checkout, with CHECKOUT_IN_PROCESS): their
   * requests go to their handler, through the same breaker, headers and body
   * limits as a request sent over HTTP.
   */
  inProcess?: InProcessApps
  tokens: TokenVerifier
  /** How long an app has to answer a request the gateway has sent whole. */
  timeoutMs: number
  /** How long an upstream's breaker stays open before trial calls. */
  breakerOpenMs: number
  /** Sent to every app as `x-service-token`: the proof a request came through the gateway. */
  serviceToken: string
  /** How large a request body may be and how long it may take to arrive. */
  body: Required<BodyLimits>
  /** How many server-sent event streams may be open at once. */
  eventStreams: StreamLimits
  /**
   * Whether a verified token was revoked since (logout, logout-all): the
   * gateway refuses it on the very next request, before any app sees it.
   * Given `(identity) => isRevoked(redis, space, identity)` from @flash/redis.
   */
  isRevoked?: (identity: Identity) => Promise<boolean>
  log: (line: string) => void
}

/** A 5xx is the upstream failing; a 4xx is the client's mistake and says the upstream is fine. */
class UpstreamFailed extends Error {
  constructor(readonly answer: AppAnswer) {
    super(`answered ${answer.status}`)
  }
}

type Refusal = {
  status: number
  code: ErrorCode
  message: string
  headers?: Record<string, string>
}

/** How long a client refused an event stream should wait: streams last minutes, not moments. */
const STREAM_RETRY_AFTER_SECONDS = '5'

/**
 * Every public path: checks the token where one is needed, reads the body
 * within its limits, then forwards. Only what an app itself did counts
 * against its breaker: a 5xx it sent, a connection it refused or dropped, or
 * no answer in time to a request it had whole. Whatever a client does (a bad
 * request id, a slow or cut-off body, leaving early) is answered or dropped
 * here and never reaches the breaker.
 *
 * @example
 * new Elysia().use(proxyController({ upstreams, tokens, timeoutMs: 10_000, serviceToken, body, eventStreams, log }))
 */
export function proxyController(config: ProxyConfig) {
  const breakers = Object.fromEntries(
    (Object.keys(config.upstreams) as (keyof Upstreams)[]).map((name) => {
      const breaker = new CircuitBreaker({
        name,
        timeoutMs: config.timeoutMs,
        openDurationMs: config.breakerOpenMs,
        isFailure: (error) => !(error instanceof ClientGone),
      })
      breaker.onTransition((t) =>
        config.log(`[gateway] breaker ${t.breaker}: ${t.from} -> ${t.to}`),
      )
      return [name, breaker]
    }),
  ) as Record<keyof Upstreams, CircuitBreaker>
  const checkoutInProcess = config.inProcess?.checkout
  const senders: Record<keyof Upstreams, Upstream> = {
    auth: httpUpstream(config.upstreams.auth),
    catalog: httpUpstream(config.upstreams.catalog),
    checkout: checkoutInProcess
      ? inProcessUpstream(config.upstreams.checkout, checkoutInProcess)
      : httpUpstream(config.upstreams.checkout),
  }
  const streams = new StreamSlots(config.eventStreams)
  const stopping = new AbortController()

  const handle = async ({
    request,
    server,
  }: {
    request: Request
    server: Bun.Server<unknown> | null
  }) => {
    const url = new URL(request.url)
    const what = `${request.method} ${url.pathname}`
    const requestId = acceptRequestId(request.headers.get('x-request-id'))
    const refuse = (refusal: Refusal) =>
      apiError(refusal.status, refusal.code, refusal.message, {
        ...refusal.headers,
        'x-request-id': requestId,
        'x-content-type-options': 'nosniff',
      })
    const route = routeOf(request.method, url.pathname)
    if (!route) return refuse({ status: 404, code: 'not_found', message: `no route ${what}` })
    if (route.needsToken) {
      const refusal = await tokenRefusal(config, request, route.checkRevocation)
      if (refusal) return refuse(refusal)
    }

    const clientIp = server?.requestIP(request)?.address
    const headers = headersForApp(request.headers, {
      requestId,
      serviceToken: config.serviceToken,
      clientIp,
    })
    const upstream = config.upstreams[route.upstream]
    const callApp = async (call: (signal: AbortSignal) => Promise<AppAnswer>) => {
      try {
        const answer = await breakers[route.upstream].run(async (signal) => {
          const answer = await call(signal)
          if (answer.status >= 500) throw new UpstreamFailed(answer)
          return answer
        })
        return toClient(answer, requestId)
      } catch (error) {
        if (error instanceof UpstreamFailed) return toClient(error.answer, requestId)
        if (!(error instanceof BreakerOpenError || error instanceof ClientGone))
          config.log(`[gateway] ${route.upstream} did not answer ${what}: ${String(error)}`)
        return refuse(unavailable(route.upstream))
      }
    }

    if (route.eventStream) {
      const slot = streams.take(clientIp ?? 'unknown')
      if (!slot.taken)
        return refuse({
          status: 429,
          code: 'rate_limited',
          message:
            slot.full === 'client'
              ? `at most ${config.eventStreams.perClient} event streams at once from one address`
              : 'the gateway holds as many event streams as it can; try again shortly',
          headers: { 'retry-after': STREAM_RETRY_AFTER_SECONDS },
        })
      let relayed = false
      const answer = await callApp((signal) => {
        relayed = true
        return relayEventStream({
          upstream,
          target: `${url.pathname}${url.search}`,
          headers,
          signal,
          clientSignal: request.signal,
          stopSignal: stopping.signal,
          onEnd: slot.release,
        })
      })
      // The relay releases the slot whenever the stream ends; an open breaker never called it.
      if (!relayed) slot.release()
      return answer
    }

    let body: Uint8Array | undefined
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const read = await readBody(request, config.body)
      if (read.outcome !== 'read') {
        const refusal = bodyRefusal(read.outcome, config.body)
        if (refusal.log) config.log(`[gateway] ${what}: ${refusal.log}`)
        return refuse(refusal)
      }
      if (read.bytes.byteLength > 0) body = read.bytes
    }
    return callApp((signal) =>
      senders[route.upstream].send(
        request.method,
        `${url.pathname}${url.search}`,
        headers,
        body,
        signal,
      ),
    )
  }

  // parse: 'none' leaves the body to readBody, which reads it within its limits.
  return (
    new Elysia()
      .decorate('breakers', breakers)
      // Event streams never finish by themselves: `serve()`'s beforeStop ends them so the gateway can stop.
      .decorate('endEventStreams', () => stopping.abort())
      // Idle keep-alive connections to the apps; called once the requests in hand have finished.
      .decorate('closeUpstreams', () => {
        for (const sender of Object.values(senders)) sender.close()
      })
      .all('/auth/*', handle, { parse: 'none' })
      .all('/products', handle, { parse: 'none' })
      .all('/products/*', handle, { parse: 'none' })
      .all('/sales', handle, { parse: 'none' })
      .all('/sales/*', handle, { parse: 'none' })
      .all('/orders', handle, { parse: 'none' })
      .all('/orders/*', handle, { parse: 'none' })
  )
}

function toClient(answer: AppAnswer, requestId: string): Response {
  if (answer.inProcess) {
    // Its body passes on without a stream in between, which would cost a copy and a chunked write.
    setClientHeaders(answer.inProcess.headers, requestId)
    return answer.inProcess
  }
  return new Response(answer.body, {
    status: answer.status,
    headers: headersForClient(answer.headers, requestId),
  })
}

function unavailable(upstream: string): Refusal {
  return {
    status: 503,
    code: 'unavailable',
    message: `${upstream} is unavailable; try again shortly`,
    headers: { 'retry-after': '1' },
  }
}

/**
 * The answer to a body that was not read whole, and what to log. The
 * connection is closed after a 408 or 413: the rest of the body may still
 * be on its way, and reading it to find the next request is not worth it.
 */
function bodyRefusal(
  outcome: 'too_large' | 'timed_out' | 'client_gone',
  limits: Required<BodyLimits>,
): Refusal & { log?: string } {
  switch (outcome) {
    case 'too_large':
      return {
        status: 413,
        code: 'payload_too_large',
        message: `body larger than ${limits.maxBytes} bytes`,
        headers: { connection: 'close' },
      }
    case 'timed_out':
      return {
        status: 408,
        code: 'request_timeout',
        message: `the request body did not arrive within ${limits.timeoutMs} ms`,
        headers: { connection: 'close' },
        log: `the body did not arrive within ${limits.timeoutMs} ms`,
      }
    case 'client_gone':
      // Nobody is left to read this answer.
      return {
        status: 400,
        code: 'invalid_request',
        message: 'the request body was cut short',
        log: 'the client left before its body arrived',
      }
  }
}

/**
 * null when the request carries a valid, unrevoked access token; otherwise
 * the refusal. A revocation check that cannot be made (Redis down) lets
 * nothing through: a token that might be revoked is not forwarded. Without
 * `checkRevocation` the app behind checks logout itself (Route).
 */
async function tokenRefusal(
  config: Pick<ProxyConfig, 'tokens' | 'isRevoked' | 'log'>,
  request: Request,
  checkRevocation: boolean,
): Promise<Refusal | null> {
  const token = bearerToken(request.headers.get('authorization'))
  const identity = token === null ? null : await config.tokens.verifyAccess(token)
  if (!identity)
    return { status: 401, code: 'unauthorized', message: 'a valid bearer token is required' }
  if (!config.isRevoked || !checkRevocation) return null
  try {
    if (!(await config.isRevoked(identity))) return null
    return { status: 401, code: 'unauthorized', message: 'this session has ended; sign in again' }
  } catch (error) {
    config.log(`[gateway] cannot check token revocation: ${String(error)}`)
    return {
      status: 503,
      code: 'unavailable',
      message: 'sessions cannot be checked right now; try again',
      headers: { 'retry-after': '1' },
    }
  }
}
