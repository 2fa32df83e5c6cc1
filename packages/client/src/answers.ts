import { err, ok, type Result } from 'neverthrow'
import { type ApiError, errorFromAnswer, networkError, unexpectedAnswer } from './errors.ts'
import { CallFailed } from './session-fetch.ts'

/** What an Eden treaty call resolves to, as far as the client reads it. */
type TreatyAnswer = {
  data: unknown
  error: { status: unknown; value: unknown } | null
  response: Response | undefined
  status: number
}

/**
 * The success body of a treaty call. Routes that refuse with a ready
 * `Response` put `Response` in their types, but Eden parses every body, so
 * a success is never one.
 */
export type Success<A> = A extends { error: null; data: infer D } ? Exclude<D, Response> : never

/**
 * An Eden call as a Result: the route's success body, or an `ApiError`.
 * `expect` says what a success carries: a JSON object, or nothing (204).
 *
 * @example
 * const sale = await settle(api.catalog.sales({ id }).get(), 'json', timeoutMs)
 */
export async function settle<A extends TreatyAnswer>(
  call: Promise<A>,
  expect: 'json' | 'empty',
  timeoutMs: number,
): Promise<Result<NonNullable<Success<A>>, ApiError>> {
  let answer: A
  try {
    answer = await call
  } catch {
    // Eden throws only when a body says it is JSON and is not.
    return err({ status: 0, code: 'unexpected_answer', message: 'the answer could not be read' })
  }
  const { response, status } = answer
  if (response === undefined) {
    const cause = answer.error?.value
    return err(cause instanceof CallFailed ? cause.error : networkError(cause, timeoutMs))
  }
  if (answer.error !== null || status < 200 || status >= 300)
    return err(errorFromAnswer(status, answer.error?.value, response.headers))
  if (expect === 'json') {
    const isJson = response.headers.get('content-type')?.includes('json') ?? false
    if (!isJson || typeof answer.data !== 'object' || answer.data === null)
      return err(unexpectedAnswer(status, 'without the JSON body this route answers with'))
  }
  return ok(answer.data as NonNullable<Success<A>>)
}
