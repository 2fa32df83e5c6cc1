import { t } from 'elysia'

type NumberOptions = NonNullable<Parameters<typeof t.Number>[0]>

/**
 * An integer in a JSON body. Elysia's `t.Integer` also accepts the string
 * "5" (it is built for query strings), so a client sending the wrong type
 * would be silently coerced; JSON has real numbers, so bodies require one.
 *
 * @example
 * t.Object({ price: jsonInteger({ minimum: 1, ...rule('body.price', 'must be an integer >= 1') }) })
 */
export function jsonInteger(options: NumberOptions) {
  return t.Number({ ...options, multipleOf: 1 })
}
