/** How deep and how large a JSON body may be before anything parses or validates it. */
export type JsonLimits = {
  /** Arrays and objects inside one another; the top-level value is depth 1. */
  maxDepth: number
  /** Every value counts once: the top-level one and each array element or object member's value. */
  maxValues: number
}

/** Bodies the apps take: orders, logins and sales are a handful of values a few levels deep. */
export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 32, maxValues: 1000 }

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const COMMA = 0x2c
const SPACE = 0x20
const TAB = 0x09
const LINE_FEED = 0x0a
const CARRIAGE_RETURN = 0x0d

/**
 * Which limit a JSON text breaks, if any, found in one pass over its bytes
 * without parsing it: validation walks a parsed body recursively, so a body
 * nested thousands of levels deep overflows the stack (a 500) after seconds
 * of work, and one with many thousands of values costs time in proportion.
 * Brackets, commas and quotes inside strings (escaped quotes too) are text,
 * not structure. It does not check that the text is JSON: JSON.parse does
 * that next, and a malformed text within the limits fails there.
 *
 * @example
 * const bytes = (text: string) => new TextEncoder().encode(text)
 * jsonShapeProblem(bytes('{"saleId":"a","quantity":1}'), DEFAULT_JSON_LIMITS) // undefined
 * jsonShapeProblem(bytes('['.repeat(33) + ']'.repeat(33)), DEFAULT_JSON_LIMITS) // 'depth'
 * jsonShapeProblem(bytes(`[${'0,'.repeat(1000)}0]`), DEFAULT_JSON_LIMITS) // 'values'
 */
export function jsonShapeProblem(
  bytes: Uint8Array,
  limits: JsonLimits,
): 'depth' | 'values' | undefined {
  let depth = 0
  let values = 0
  let inString = false
  let escaped = false
  // True where a value may begin that no comma announced: the top level, and just inside a bracket.
  let awaitingFirst = true
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number
    if (inString) {
      if (escaped) escaped = false
      else if (byte === BACKSLASH) escaped = true
      else if (byte === QUOTE) inString = false
      continue
    }
    if (byte === SPACE || byte === LINE_FEED || byte === CARRIAGE_RETURN || byte === TAB) continue
    if (awaitingFirst) {
      awaitingFirst = false
      if (byte !== CLOSE_ARRAY && byte !== CLOSE_OBJECT && ++values > limits.maxValues)
        return 'values'
    }
    if (byte === QUOTE) inString = true
    else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > limits.maxDepth) return 'depth'
      awaitingFirst = true
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      // A stray closing bracket is malformed JSON; JSON.parse refuses it, the count must not go below 0.
      if (depth > 0) depth--
    } else if (byte === COMMA && ++values > limits.maxValues) return 'values'
  }
  return undefined
}
