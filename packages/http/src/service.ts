import { openapi } from '@elysiajs/openapi'
import { type ApiErrorBody, errorBody } from '@flash/contracts'
import { bearerToken } from '@flash/tokens'
import { Elysia } from 'elysia'
import { credentialCheck } from './credential.ts'
import { DEFAULT_JSON_LIMITS, type JsonLimits } from './json-shape.ts'
import { RequestMetrics } from './metrics.ts'
import { type MetricFamily, PROMETHEUS_CONTENT_TYPE, renderFamilies } from './prometheus.ts'
import { readJson, tooLarge } from './read-json.ts'
import { Refusal } from './refusal.ts'
import { acceptRequestId } from './request-id.ts'

export type ServiceOptions = {
  /** Shown in logs and in `GET /health`. */
  name: string
  /** Larger bodies get 413 before anything parses them. */
  maxBodyBytes: number
  /**
   * How deep and how large a JSON body may be (32 levels, 1,000 values by
   * default); beyond either it is refused with 400 before JSON.parse.
   */
  json?: Partial<JsonLimits>
  /**
   * `Cache-Control: no-store` on every answer: for apps whose answers carry
   * a buyer's data (tokens, orders), which no cache on the way may keep.
   */
  noStore?: boolean
  /**
   * The credential `GET /metrics` requires as `Authorization: Bearer`
   * (Prometheus's bearer credential); unset leaves it open (tests).
   */
  metricsToken?: string
  /**
   * The app's own families beside the request metrics in `GET /metrics`,
   * read at each scrape (`breakerMetrics`, checkout's reserve outcomes, the
   * worker's consumer groups). Whatever it awaits must be bounded in time:
   * a scrape waits for it.
   */
  metrics?: () => MetricFamily[] | Promise<MetricFamily[]>
  /** Answers `GET /ready`: true when every dependency this app needs answers. */
  ready?: () => Promise<Record<string, boolean>>
  log?: (line: string) => void
  /** false for the gateway, which streams bodies on untouched and must not read them. */
  parseJson?: boolean
  /**
   * Answers requests to one route before Elysia handles them at all (no
   * headers object, no parse step, no hooks): a shortcut to an answer the
   * route itself would give, for a crowd of requests that all get it
   * (checkout's sold-out answer). `answer` gets the parsed body and the
   * request and returns undefined, or a promise of it, to go on as usual;
   * the body it saw is the one the route gets. It must never answer what the
   * route would not: whatever it does not check, it leaves to the route.
   */
  answerEarly?: {
    method: string
    path: string
    answer: (body: unknown, request: Request) => EarlyAnswer | Promise<EarlyAnswer>
  }
}

/** What `answerEarly` answers with; undefined lets the route answer. */
export type EarlyAnswer = { status: number; body: ApiErrorBody } | undefined

/**
 * The conventions every app shares: a body size limit, JSON read only from
 * a JSON content type and within a depth and size, a request id, the
 * `{error: {code, message}}` body for every failure (a client mistake is
 * never a 500, and no stack trace ever leaves the process),
 * `X-Content-Type-Options: nosniff` on every answer, `GET /health`,
 * `GET /ready` and `GET /metrics`.
 *
 * @example
 * const app = new Elysia()
 *   .use(service({ name: 'checkout', maxBodyBytes: 16384, noStore: true, metricsToken }))
 *   .post(...)
 */
export function service(options: ServiceOptions) {
  const log = options.log ?? ((line: string) => console.error(line))
  const metrics = new RequestMetrics()
  // The route pattern each request matched, for the request's metrics once it is answered.
  const routes = new WeakMap<Request, string>()
  const limits: JsonLimits = { ...DEFAULT_JSON_LIMITS, ...options.json }
  const metricsAllowed =
    options.metricsToken === undefined ? () => true : credentialCheck(options.metricsToken)
  const app = new Elysia({ name: `@flash/http/service:${options.name}` }).headers({
    // Every answer is JSON or text the API means as such; a browser must not guess otherwise.
    'x-content-type-options': 'nosniff',
    ...(options.noStore ? { 'cache-control': 'no-store' } : {}),
  })
  // Bodies read by `answerEarly` before Elysia's own parse step, handed to it there.
  const peeked = new WeakMap<Request, unknown>()
  app.wrap(timedBy(metrics, routes))
  if (options.parseJson !== false)
    app
      .onParse({ as: 'global' }, ({ request }) => {
        const body = peeked.get(request)
        return body === undefined ? readJson(request, options.maxBodyBytes, limits) : body
      })
      .onTransform({ as: 'global' }, ({ body, request, route }) => {
        // Before the refusal is thrown: a refused body still counts under its route.
        routes.set(request, route)
        if (body instanceof Refusal) throw body
      })
  else
    app.onTransform({ as: 'global' }, ({ request, route }) => {
      routes.set(request, route)
    })
  const early = options.parseJson === false ? undefined : options.answerEarly
  const peek = (request: Request): Promise<unknown> =>
    readJson(request, options.maxBodyBytes, limits).catch(
      () => new Refusal(400, 'invalid_request', 'the body could not be read'),
    )
  const refuse = (request: Request, set: { status?: unknown }, refusal: Refusal) => {
    set.status = refusal.status
    routes.set(request, UNMATCHED)
    return errorBody(refusal.code, refusal.message)
  }
  return app
    .use(openapi({ path: '/docs', documentation: { info: { title: options.name, version: '1' } } }))
    .onRequest(({ request, set }) => {
      // An id is echoed in a header and written to logs: one that is not a short
      // printable token is replaced. Ids are assigned at the gateway: a request
      // without one (another app's call, the bench) gets none here.
      const requestId = request.headers.get('x-request-id')
      if (requestId !== null) set.headers['x-request-id'] = acceptRequestId(requestId)
      // Bun gives a path without scheme and host when the Host header is not a
      // valid host; Elysia would then find the route past the path's first characters.
      if (request.url.charCodeAt(0) === SLASH)
        return refuse(
          request,
          set,
          new Refusal(400, 'invalid_request', 'the Host header is missing or not a host name'),
        )
      const length = Number(request.headers.get('content-length') ?? 0)
      if (length > options.maxBodyBytes) {
        // The body is not read: closing the connection spares reading it to find the next request.
        set.headers.connection = 'close'
        return refuse(request, set, tooLarge(options.maxBodyBytes))
      }
      if (early && request.method === early.method && pathOf(request.url) === early.path)
        return peek(request).then((body) => {
          peeked.set(request, body)
          if (body instanceof Refusal) return undefined
          const respond = (answer: EarlyAnswer) => {
            if (!answer) return undefined
            set.status = answer.status
            routes.set(request, early.path)
            return answer.body
          }
          const answer = early.answer(body, request)
          return answer instanceof Promise ? answer.then(respond) : respond(answer)
        })
    })

    .onError({ as: 'global' }, ({ code, error, set, request }) => {
      if (error instanceof Refusal) {
        set.status = error.status
        if (error.status === 413) set.headers.connection = 'close'
        return errorBody(error.code, error.message)
      }
      switch (code) {
        case 'VALIDATION': {
          set.status = 400
          const issue = error.all[0]
          const field = issue && 'path' in issue ? issue.path.replace(/^\//, '') : ''
          const what = error.type === 'body' ? 'body' : error.type
          const reason = reasonOf(issue)
          return errorBody(
            'invalid_request',
            field ? `${what}.${field.replaceAll('/', '.')}: ${reason}` : `${what} ${reason}`,
          )
        }
        case 'PARSE':
          set.status = 400
          return errorBody('invalid_request', 'body is not valid JSON')
        case 'NOT_FOUND':
          set.status = 404
          return errorBody(
            'not_found',
            `no route ${request.method} ${new URL(request.url).pathname}`,
          )
        case 'INVALID_COOKIE_SIGNATURE':
        case 'INVALID_FILE_TYPE':
          set.status = 400
          return errorBody('invalid_request', error.message)
        default: {
          const status = 'status' in error && typeof error.status === 'number' ? error.status : 500
          if (status >= 400 && status < 500) {
            set.status = status
            return errorBody('invalid_request', 'the request could not be understood')
          }
          log(`[${options.name}] ${request.method} ${request.url} failed: ${describe(error)}`)
          set.status = 500
          return errorBody('internal', 'something went wrong on our side; it has been logged')
        }
      }
    })
    .get('/health', () => ({ status: 'ok', service: options.name }))
    .get('/metrics', async ({ request, set }) => {
      if (!metricsAllowed(bearerToken(request.headers.get('authorization')))) {
        set.status = 401
        set.headers['www-authenticate'] = 'Bearer'
        return errorBody('unauthorized', 'metrics need the service credential as a bearer token')
      }
      const own = options.metrics ? await options.metrics() : []
      return new Response(
        renderFamilies([...metrics.families(), ...own], { service: options.name }),
        {
          headers: { 'content-type': PROMETHEUS_CONTENT_TYPE },
        },
      )
    })
    .get('/ready', async ({ set }) => {
      const checks = (await options.ready?.()) ?? {}
      const ready = Object.values(checks).every(Boolean)
      if (!ready) set.status = 503
      return { ready, checks }
    })
}

const SLASH = 0x2f

/**
 * The path of a request URL, without building a URL object: the sold-out
 * answer runs it on every request. The same path Elysia routes by once
 * `serve()` has told it that host names may be short (`Host: x`).
 *
 * @example
 * pathOf('http://127.0.0.1:3003/orders?x=1') // '/orders'
 * pathOf('http://x/ab/orders') // '/ab/orders'
 */
export function pathOf(url: string): string {
  const start = url.charCodeAt(0) === SLASH ? 0 : url.indexOf('/', url.indexOf('//') + 2)
  if (start === -1) return '/'
  const query = url.indexOf('?', start)
  return url.slice(start, query === -1 ? undefined : query)
}

/** The route label of a request no route took: refused before routing, or not found. */
const UNMATCHED = 'unmatched'

type Fetch = (request: Request) => unknown

/**
 * Elysia's `wrap`: every request passes through the function it returns,
 * from the moment Bun hands the request over (before `onRequest`) to the
 * moment the answer goes back to Bun, so the duration covers the answers
 * given early too. The status is the one the Response carries, whoever
 * decided it. Elysia asks for the wrapper on every request, with the
 * handler of the route Bun matched (or its general one): each handler's
 * wrapper is made once.
 */
function timedBy(metrics: RequestMetrics, routes: WeakMap<Request, string>) {
  const record = (request: Request, answer: unknown, started: number) =>
    metrics.observe(
      request.method,
      routes.get(request) ?? UNMATCHED,
      answer instanceof Response ? answer.status : 200,
      (performance.now() - started) / 1000,
    )
  const timed = (handler: Fetch) => (request: Request) => {
    const started = performance.now()
    const answer = handler(request)
    if (answer instanceof Promise)
      return answer.then((response: unknown) => {
        record(request, response, started)
        return response
      })
    record(request, answer, started)
    return answer
  }
  const wrappers = new WeakMap<Fetch, Fetch>()
  return (handler: Fetch) => {
    let wrapper = wrappers.get(handler)
    if (wrapper === undefined) {
      wrapper = timed(handler)
      wrappers.set(handler, wrapper)
    }
    return wrapper
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error)
}

/** TypeBox's message for the first failure, minus the noise of Elysia's coercion unions. */
function reasonOf(issue: unknown): string {
  const message =
    issue && typeof issue === 'object' && 'message' in issue ? String(issue.message) : ''
  if (!message || message === 'Expected union value') return 'has the wrong type or format'
  return message.replace(/^Expected/, 'expected')
}
