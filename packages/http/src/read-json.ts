import { isJsonMediaType } from './json-media-type.ts'
import { type JsonLimits, jsonShapeProblem } from './json-shape.ts'
import { readBody } from './read-body.ts'
import { Refusal } from './refusal.ts'

/**
 * A request's JSON body, or the refusal it earns, in the order the checks
 * are cheapest to fail: its size as it arrives, an empty body (null, with
 * or without a content type: `POST /orders/:id/cancel` has none), its
 * content type, its depth and number of values in one pass over the bytes,
 * and only then JSON.parse and strict UTF-8. A client gone mid-body gets a
 * 400 nobody reads.
 *
 * @example
 * const body = await readJson(request, 16_384, DEFAULT_JSON_LIMITS)
 * if (body instanceof Refusal) return apiError(body.status, body.code, body.message)
 */
export async function readJson(
  request: Request,
  maxBodyBytes: number,
  limits: JsonLimits,
): Promise<unknown> {
  const read = await readBody(request, { maxBytes: maxBodyBytes })
  if (read.outcome === 'too_large') return tooLarge(maxBodyBytes)
  if (read.outcome !== 'read')
    return new Refusal(400, 'invalid_request', 'the request body was cut short')
  const bytes = read.bytes
  if (bytes.byteLength === 0) return null
  if (!isJsonMediaType(request.headers.get('content-type')))
    return new Refusal(
      415,
      'unsupported_media_type',
      'send the body as JSON with Content-Type: application/json',
    )
  const problem = jsonShapeProblem(bytes, limits)
  if (problem === 'depth')
    return new Refusal(400, 'invalid_request', `body nests deeper than ${limits.maxDepth} levels`)
  if (problem === 'values')
    return new Refusal(400, 'invalid_request', `body holds more than ${limits.maxValues} values`)
  try {
    return JSON.parse(strictUtf8.decode(bytes))
  } catch {
    // Invalid UTF-8 lands here too.
    return new Refusal(400, 'invalid_request', 'body is not valid JSON')
  }
}

/** The refusal of a body over the limit, whether its Content-Length or its bytes said so. */
export function tooLarge(maxBodyBytes: number): Refusal {
  return new Refusal(413, 'payload_too_large', `body larger than ${maxBodyBytes} bytes`)
}

/** One decoder for every request: building one per body showed in the hot path's profile. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })
