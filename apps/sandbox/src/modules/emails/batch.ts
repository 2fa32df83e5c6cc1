import { TypeCompiler } from 'elysia/type-system'
import { err, ok, type Result } from 'neverthrow'
import { EmailModel, type SendBody } from './model.ts'

/** Resend's error body, as its SDK hands it to the caller (`{ data: null, error }`). */
export type ResendError = { statusCode: number; name: string; message: string }

/** Resend answers at most this many e-mails per `POST /emails/batch`. */
export const BATCH_LIMIT = 100

/** The answer to a batch: an id per e-mail created, and in permissive mode the ones refused. */
export type BatchAnswer = {
  data: { id: string }[]
  errors?: { index: number; message: string }[]
}

export type BatchMode = 'strict' | 'permissive'

const emailCheck = TypeCompiler.Compile(EmailModel.sendBody)

/**
 * Checks a batch the way Resend does before creating anything: 1 to 100
 * e-mails, each a valid `POST /emails` body with html or text, and none of
 * what the batch API does not take (attachments, scheduled_at). Answers the
 * e-mails that may go out and the refusals: in strict mode any refusal
 * refuses the whole batch (422, nothing created); in permissive mode the
 * refused ones are listed by index and the others go out.
 *
 * @example
 * checkBatch([{ from, to, subject, text }], 'strict') // ok({ valid: [{ index: 0, email }], errors: [] })
 */
export function checkBatch(
  body: unknown,
  mode: BatchMode,
): Result<
  { valid: { index: number; email: SendBody }[]; errors: { index: number; message: string }[] },
  ResendError
> {
  if (!Array.isArray(body) || body.length === 0)
    return err(validation('The body must be an array of 1 to 100 e-mails.'))
  if (body.length > BATCH_LIMIT)
    return err(validation(`Too many e-mails in one batch: ${body.length}, at most 100.`))
  const valid: { index: number; email: SendBody }[] = []
  const errors: { index: number; message: string }[] = []
  body.forEach((email: unknown, index) => {
    const problem = problemOf(email)
    if (problem === null) valid.push({ index, email: email as SendBody })
    else errors.push({ index, message: problem })
  })
  const [first] = errors
  if (mode === 'strict' && first) return err(validation(`emails[${first.index}]: ${first.message}`))
  return ok({ valid, errors })
}

function problemOf(email: unknown): string | null {
  if (!emailCheck.Check(email)) {
    const [first] = emailCheck.Errors(email)
    return `\`${first?.path.slice(1) || 'email'}\`: ${first?.message ?? 'is invalid'}`
  }
  const fields = email as Record<string, unknown>
  if (fields.attachments !== undefined) return 'Attachments are not supported in batch sending.'
  if (fields.scheduled_at !== undefined) return 'Scheduling is not supported in batch sending.'
  if (fields.html === undefined && fields.text === undefined)
    return 'Either `html` or `text` must be provided.'
  return null
}

/**
 * Resend's refusals, with its status codes and names.
 *
 * @example
 * resendError('missing_api_key') // { statusCode: 401, name: 'missing_api_key', message }
 */
export function resendError(
  name: 'missing_api_key' | 'invalid_idempotency_key' | 'invalid_idempotent_request',
): ResendError {
  switch (name) {
    case 'missing_api_key':
      return { statusCode: 401, name, message: 'Missing API key in the authorization header.' }
    case 'invalid_idempotency_key':
      return { statusCode: 400, name, message: 'The key must be between 1-256 chars.' }
    case 'invalid_idempotent_request':
      return {
        statusCode: 409,
        name,
        message: 'Same idempotency key used with a different request payload.',
      }
  }
}

function validation(message: string): ResendError {
  return { statusCode: 422, name: 'validation_error', message }
}
