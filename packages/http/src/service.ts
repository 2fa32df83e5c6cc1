import { openapi } from '@elysiajs/openapi'
import { type ApiErrorBody, errorBody } from '@flash/contracts'
import { Elysia } from 'elysia'
import { RequestMetrics } from './metrics.ts'

export type ServiceOptions = {
  /** Shown in logs and in `GET /health`. */
  name: string
  /** Larger bodies get 413 before anything parses them. */
  maxBodyBytes: number
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
 * The conventions every app shares: a body size limit, a request id, the
 * `{error: {code, message}}` body for every failure (a client mistake is
 * never a 500, and no stack trace ever leaves the process), `GET /health`
 * and `GET /ready`.
 *
 * @example
 * const app = new Elysia().use(service({ name: 'checkout', maxBodyBytes: 16384 })).post(...)
 */
export function service(options: ServiceOptions) {
  const log = options.log ?? ((line: string) => console.error(line))
  const metrics = new RequestMetrics(options.name)
  const app = new Elysia({ name: `@flash/http/service:${options.name}` })
  // Bodies read by `answerEarly` before Elysia's own parse step, handed to it there.
  const peeked = new WeakMap<Request, unknown>()
  if (options.parseJson !== false)
    app
      .onParse({ as: 'global' }, ({ request }) => {
        const body = peeked.get(request)
        if (body === undefined) return readJson(request, options.maxBodyBytes)
        if (body instanceof MalformedBody) throw body.cause
        return body
      })
      .onTransform({ as: 'global' }, ({ body }) => {
        if (body === TOO_LARGE) throw new BodyTooLarge()
      })
  const early = options.parseJson === false ? undefined : options.answerEarly
  const peek = (request: Request): Promise<unknown> =>
    readJson(request, options.maxBodyBytes).catch((cause: unknown) => new MalformedBody(cause))
  return app
    .use(openapi({ path: '/docs', documentation: { info: { title: options.name, version: '1' } } }))
    .onAfterResponse({ as: 'global' }, ({ request, route, set }) => {
      metrics.count(request.method, route || 'unmatched', Number(set.status ?? 200))
    })
    .onRequest(({ request, set }) => {
      const length = Number(request.headers.get('content-length') ?? 0)
      if (length > options.maxBodyBytes) {
        set.status = 413
        return errorBody('payload_too_large', `body larger than ${options.maxBodyBytes} bytes`)
      }
      // The gateway assigns request ids (ARCHITECTURE.md); an app echoes the one it was given
      // rather than mint one of its own on the hot path.
      const requestId = request.headers.get('x-request-id')
      if (requestId) set.headers['x-request-id'] = requestId
      if (early && request.method === early.method && pathOf(request.url) === early.path)
        return peek(request).then((body) => {
          peeked.set(request, body)
          if (body === TOO_LARGE) return undefined
          const respond = (answer: EarlyAnswer) => {
            if (!answer) return undefined
            set.status = answer.status
            metrics.count(request.method, early.path, answer.status)
            return answer.body
          }
          const answer = early.answer(body, request)
          return answer instanceof Promise ? answer.then(respond) : respond(answer)
        })
    })

    .onError({ as: 'global' }, ({ code, error, set, request }) => {
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
          if (status === 413) {
            set.status = 413
            return errorBody('payload_too_large', `body larger than ${options.maxBodyBytes} bytes`)
          }
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
    .get(
      '/metrics',
      () =>
        new Response(metrics.render(), {
          headers: { 'content-type': 'text/plain; version=0.0.4' },
        }),
    )
    .get('/ready', async ({ set }) => {
      const checks = (await options.ready?.()) ?? {}
      const ready = Object.values(checks).every(Boolean)
      if (!ready) set.status = 503
      return { ready, checks }
    })
}

/** A body that is not JSON, kept until Elysia's parse step reports it as usual. */
class MalformedBody {
  constructor(readonly cause: unknown) {}
}

/**
 * The path of an absolute request URL, without building a URL object: the
 * sold-out answer runs it on every request.
 *
 * @example
 * pathOf('http://127.0.0.1:3003/orders?x=1') // '/orders'
 */
export function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2)
  if (start === -1) return '/'
  const query = url.indexOf('?', start)
  return url.slice(start, query === -1 ? undefined : query)
}

/** Marks a body over the limit; `transform` turns it into a 413 before validation runs. */
const TOO_LARGE = Symbol('body too large')

/** Handled by `onError` like any error that carries `status: 413`. */
class BodyTooLarge extends Error {
  readonly status = 413
}

/**
 * Every body is JSON, whatever the content type says, and counted as it
 * arrives: a chunked body has no Content-Length for `onRequest` to check.
 * A parser cannot answer 413 itself (Elysia turns whatever it throws into a
 * 400 parse error), so it returns a marker instead.
 */
async function readJson(request: Request, maxBodyBytes: number): Promise<unknown> {
  const bytes = await request.arrayBuffer()
  if (bytes.byteLength > maxBodyBytes) return TOO_LARGE
  if (bytes.byteLength === 0) return null
  // Invalid UTF-8 throws as well, and becomes the same 400 as malformed JSON.
  return JSON.parse(strictUtf8.decode(bytes))
}

/** One decoder for every request: building one per body showed in the hot path's profile. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

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
