import { errorBody } from '@flash/contracts'
import { Elysia, type ValidationError } from 'elysia'

/**
 * Elysia coerces query integers one property at a time and reports a
 * failure without the property's name, so the shared error handler cannot
 * name the field (`?limit=0` would say only "property expected integer...").
 * Schemas built with `rule()` carry their own message naming the field;
 * this answers with it. Failures of a body as a whole (not an object, an
 * unknown field, no field at all) get a message naming what is wrong too.
 * Registered before `service()` so it runs first; any other failure falls
 * through to `service()`'s handler.
 *
 * @example
 * new Elysia().use(schemaMessages()).use(service(options))
 */
export function schemaMessages() {
  return new Elysia({ name: 'catalog/schema-messages' }).onError(
    { as: 'global' },
    ({ code, error, set }) => {
      if (code !== 'VALIDATION') return
      const message = messageOf(error)
      if (message === undefined) return
      set.status = 400
      return errorBody('invalid_request', message)
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

function messageOf(error: Readonly<ValidationError>): string | undefined {
  // Checked first: a body that is not an object fails on its first required field otherwise.
  if (error.type === 'body' && !isRecord(error.value)) return 'body: must be a JSON object'
  const issue = error.valueError
  const schema: unknown = issue?.schema
  if (issue && isRecord(schema) && schema.type === 'object') {
    const known = Object.keys(isRecord(schema.properties) ? schema.properties : {})
    const key = issue.path.split('/').at(-1) ?? ''
    const at = issue.path.replace(/^\//, '').replaceAll('/', '.')
    if (at && !known.includes(key)) return `${error.type}.${at}: is not a field this route accepts`
    if (typeof schema.minProperties === 'number')
      return `${error.type}${at ? `.${at}` : ''}: must set at least one of ${known.join(', ')}`
  }
  return typeof error.customError === 'string' ? error.customError : undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
