/**
 * Whether a Content-Type names JSON: `application/json` or a structured
 * `application/<name>+json`, with or without parameters (`charset=utf-8`),
 * in any case. A browser posts `text/plain` to another origin without a
 * CORS preflight, where `application/json` needs one: reading only JSON
 * types as JSON keeps other sites' pages from posting bodies the API acts on.
 *
 * @example
 * isJsonMediaType('application/json; charset=utf-8') // true
 * isJsonMediaType('application/problem+json') // true
 * isJsonMediaType('text/plain') // false
 */
export function isJsonMediaType(contentType: string | null): boolean {
  if (contentType === null) return false
  // What every client of ours sends: one comparison on the hot path.
  if (contentType === 'application/json') return true
  const semicolon = contentType.indexOf(';')
  const type = (semicolon === -1 ? contentType : contentType.slice(0, semicolon))
    .trim()
    .toLowerCase()
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))
}
