import { errorBody } from '@flash/contracts'
import { Elysia } from 'elysia'

/**
 * Elysia coerces query integers one property at a time and reports a
 * failure without the property's name, so the shared error handler cannot
 * name the field (`?limit=0` would say only "property expected integer...").
 * Schemas built with `rule()` carry their own message naming the field;
 * this answers with it. Registered before `service()` so it runs first; any
 * other failure falls through to `service()`'s handler.
 *
 * @example
 * new Elysia().use(schemaMessages()).use(service(options))
 */
export function schemaMessages() {
  return new Elysia({ name: 'catalog/schema-messages' }).onError(
    { as: 'global' },
    ({ code, error, set }) => {
      if (code !== 'VALIDATION' || typeof error.customError !== 'string') return
      set.status = 400
      return errorBody('invalid_request', error.customError)
    },
  )
}

/**
 * The `error` option of a `t.*` schema: the message a client gets when the
 * value breaks the rule, naming the field the way the service's own
 * refusals do (`body.price: ...`).
 *
 * @example
 * t.Integer({ minimum: 1, ...rule('body.price', 'must be an integer >= 1') })
 */
export function rule(field: string, requirement: string): { error: string } {
  return { error: `${field}: ${requirement}` }
}
