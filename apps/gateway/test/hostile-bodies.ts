import fc from 'fast-check'

/**
 * A request body as text, with a short name for failure reports: fast-check
 * prints a counterexample with `fc.toStringMethod`, and a 16 KB body printed
 * whole would bury the report.
 */
export type Body = { label: string; text: string }

function body(label: string, text: string): Body {
  const shown = text.length <= 120 ? text : `${text.slice(0, 60)}…${text.slice(-20)}`
  return Object.assign(
    { label, text },
    { [fc.toStringMethod]: () => `${label} (${text.length} bytes): ${shown}` },
  )
}

const nested = (depth: number, open: string, inner: string, close: string) =>
  open.repeat(depth) + inner + close.repeat(depth)

/** A flat array of zeros of about `bytes` bytes. */
const flatArray = (bytes: number) =>
  `[${Array(Math.floor(bytes / 2))
    .fill(0)
    .join(',')}]`

/**
 * The shapes that hurt a JSON reader or a schema validator, each just under
 * 16 KB (the apps' body limit) unless it is about the limit itself: very
 * deep nesting (recursive parsers and validators run out of stack or time),
 * very many members, one long string, one huge number, and bodies over the
 * limit. Every route gets every one of them.
 *
 * @example
 * for (const { label, text } of extremeBodies) send(route, text)
 */
export const extremeBodies: readonly Body[] = [
  body('arrays 8,000 deep', nested(8000, '[', '', ']')),
  body('{"saleId": arrays 7,990 deep}', `{"saleId":${nested(7990, '[', '', ']')}}`),
  body('{"email": arrays 7,990 deep}', `{"email":${nested(7990, '[', '', ']')}}`),
  body('objects 2,700 deep', nested(2700, '{"a":', '1', '}')),
  body('arrays 8,000 deep, never closed', '['.repeat(8000)),
  body('a 16 KB flat array', flatArray(16_000)),
  body(
    'an object of 1,200 members',
    `{${Array.from({ length: 1200 }, (_, i) => `"k${i}":${i}`).join(',')}}`,
  ),
  body('a 16 KB string of escapes', `"${'\\u0000'.repeat(2600)}"`),
  body('a 16,000-digit number', `{"quantity":1${'0'.repeat(16_000)}}`),
  body('a 20 KB flat array (over the limit)', flatArray(20_000)),
  body('a 60 KB flat array (far over the limit)', flatArray(60_000)),
]

/** Nested values of every JSON type, deeper than any schema here expects. */
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: 'large', maxDepth: 48 },
    fc.jsonValue({ maxDepth: 0 }),
    fc.array(tie('tree'), { maxLength: 3 }),
    fc.dictionary(
      fc.constantFrom('saleId', 'quantity', 'email', 'password', 'name', 'x'),
      tie('tree'),
      {
        maxKeys: 3,
      },
    ),
  ),
}))

const deepNest = fc
  .record({
    depth: fc.integer({ min: 30, max: 8000 }),
    wrap: fc.constantFrom(
      { label: 'arrays', open: '[', inner: '0', close: ']' },
      { label: 'objects', open: '{"a":', inner: 'null', close: '}' },
      { label: 'saleId arrays', open: '[', inner: '', close: ']', key: 'saleId' },
      { label: 'mixed', open: '[{"quantity":', inner: '1', close: '}]' },
    ),
  })
  .map(({ depth, wrap }) => {
    // Deep, but under the body limit, so that the body is read and not refused for its size.
    const levels = Math.min(depth, Math.floor(16_000 / (wrap.open.length + wrap.close.length)))
    const inner = nested(levels, wrap.open, wrap.inner, wrap.close)
    const text = 'key' in wrap ? `{"${wrap.key}":${inner}}` : inner
    return body(`${wrap.label} ${levels} deep`, text)
  })

const longString = fc
  .tuple(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
    fc.integer({ min: 100, max: 4000 }),
  )
  .map(([piece, chars]) =>
    body('a long string', JSON.stringify({ name: piece.repeat(Math.ceil(chars / piece.length)) })),
  )

const hugeNumber = fc
  .oneof(
    fc.constantFrom('1e999', '-1e999', '1e-999', '-0', '9007199254740993', `0.${'1'.repeat(400)}`),
    fc.integer({ min: 20, max: 5000 }).map((digits) => '9'.repeat(digits)),
  )
  .map((n) => body('a huge number', `{"quantity":${n},"price":${n}}`))

const manyMembers = fc
  .integer({ min: 100, max: 1500 })
  .map((count) =>
    body(
      `${count} members`,
      `{${Array.from({ length: count }, (_, i) => `"m${i}":${i % 7}`).join(',')}}`,
    ),
  )

/**
 * Random bodies: any JSON value, deep random trees, deep nesting up to
 * 8,000 levels, long strings, huge numbers, many members, and a few that
 * are not JSON at all.
 *
 * @example
 * fc.sample(randomBody, 3).map(String) // ['random JSON (2 bytes): {}', ...]
 */
export const randomBody: fc.Arbitrary<Body> = fc.oneof(
  { arbitrary: fc.jsonValue().map((v) => body('random JSON', JSON.stringify(v))), weight: 4 },
  { arbitrary: tree.map((v) => body('a random tree', JSON.stringify(v))), weight: 3 },
  { arbitrary: deepNest, weight: 2 },
  { arbitrary: longString, weight: 1 },
  { arbitrary: hugeNumber, weight: 1 },
  { arbitrary: manyMembers, weight: 1 },
  {
    arbitrary: fc
      .constantFrom('', '{', '{"saleId":', 'nul', '\u0000', '[1,]', '{"a":1}{')
      .map((t) => body('not JSON', t)),
    weight: 1,
  },
)
