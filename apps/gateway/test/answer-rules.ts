import type { RawAnswer } from './raw-http.ts'

/**
 * What any answer to any request must be (shared/API.md): never a 5xx
 * (a client's body is never the server's failure), and every answer that is
 * not a success is JSON with exactly `{error: {code, message}}`, both
 * strings. Returns what is wrong with the answer, or undefined.
 *
 * `/ready` is the one route whose 503 is a report, not an error: it says
 * which dependency did not answer, in its own `{ready, checks}` body.
 *
 * @example
 * brokenRule('POST', '/orders', { status: 500, headers: {}, body: '' }) // 'a 5xx: 500 '
 */
export function brokenRule(method: string, path: string, answer: RawAnswer): string | undefined {
  const { status, headers, body } = answer
  if (path === '/ready' && status === 503 && readyReport(body)) return undefined
  if (status >= 500) return `a 5xx: ${status} ${body.slice(0, 300)}`
  if (status >= 200 && status < 300) return undefined
  const type = headers['content-type'] ?? ''
  if (!type.startsWith('application/json'))
    return `a ${status} with content-type "${type}", not JSON: ${body.slice(0, 200)}`
  // A HEAD answer has no body by definition (RFC 9110 §9.3.2); its head is all there is to check.
  if (method === 'HEAD') return undefined
  if (!isErrorBody(body))
    return `a ${status} whose body is not {error:{code,message}}: ${body.slice(0, 300)}`
  return undefined
}

function isErrorBody(text: string): boolean {
  const parsed = parseJson(text)
  if (!isObject(parsed) || Object.keys(parsed).join() !== 'error') return false
  const { error } = parsed
  return (
    isObject(error) &&
    Object.keys(error).sort().join() === 'code,message' &&
    typeof error.code === 'string' &&
    typeof error.message === 'string'
  )
}

function readyReport(text: string): boolean {
  const parsed = parseJson(text)
  return isObject(parsed) && parsed.ready === false && isObject(parsed.checks)
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
