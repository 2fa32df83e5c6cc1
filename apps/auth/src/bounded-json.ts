import { Elysia } from 'elysia'

const tooLarge = Symbol('body too large')

/** `service()` answers any error carrying `status: 413` with the API's 413 body. */
class BodyTooLarge extends Error {
  readonly status = 413
}

/**
 * Route option `boundedJson: true`: the body is read as JSON whatever its
 * content type, and refused with 413 when it is larger than `maxBodyBytes`.
 *
 * `service()` already refuses a large `Content-Length` before parsing, but a
 * chunked body (a proxy streaming the request on) has no length to check, so
 * this counts the bytes actually received. A parser cannot refuse with 413
 * itself (Elysia turns whatever it throws into a 400 parse error), so it
 * leaves a marker that `transform` turns into the 413 before validation runs.
 *
 * @example
 * new Elysia().use(boundedJson(16384)).post('/x', ({ body }) => body, { boundedJson: true, body: t.Object({}) })
 */
export function boundedJson(maxBodyBytes: number) {
  return new Elysia({ name: 'auth/bounded-json', seed: maxBodyBytes }).macro({
    boundedJson: {
      async parse({ request }: { request: Request }) {
        const bytes = await request.arrayBuffer()
        if (bytes.byteLength > maxBodyBytes) return tooLarge
        // An empty body becomes null, so validation says "expected object".
        if (bytes.byteLength === 0) return null
        // Invalid UTF-8 throws too, and Elysia answers 400 like any malformed JSON.
        return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
      },
      transform({ body }: { body: unknown }) {
        if (body === tooLarge) throw new BodyTooLarge(`body larger than ${maxBodyBytes} bytes`)
      },
    },
  })
}
