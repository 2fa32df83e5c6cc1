import { err, type Result, type ResultAsync } from 'neverthrow'

/** A decoded event with its stream id. */
export type Decoded<T> = { id: string; event: T }

/** What handing events to the handler needs. */
export type AttemptContext<T> = {
  handle: (events: Decoded<T>[]) => ResultAsync<void, Error>
  isTransient: (error: Error) => boolean
  isStopping: () => boolean
  log: (line: string) => void
}

/** Where each event ended up after one attempt. */
export type Attempt<T> = {
  done: string[]
  /** Failed alone with an error of their own: these count toward maxDeliveries. */
  failures: { item: Decoded<T>; error: string }[]
  /** Never judged alone (a transient error, or the consumer is stopping): not their fault. */
  uncharged: Decoded<T>[]
}

/**
 * Hands events to the handler as one batch (the fast path); when the batch
 * fails, one by one, so that one poison event cannot hold back the good ones.
 * A transient error (the dependency, not the event) ends the attempt at
 * once: trying the other events alone would only fail the same way.
 *
 * @example
 * const { done, failures, uncharged } = await attempt(context, events, '[g/c1]')
 */
export async function attempt<T>(
  context: AttemptContext<T>,
  events: Decoded<T>[],
  prefix: string,
): Promise<Attempt<T>> {
  const result: Attempt<T> = { done: [], failures: [], uncharged: [] }
  if (events.length === 0) return result
  const whole = await call(context, events)
  if (whole.isOk()) return { ...result, done: events.map((item) => item.id) }
  if (context.isTransient(whole.error)) {
    context.log(`${prefix} batch of ${events.length} hit a transient error: ${whole.error.message}`)
    return { ...result, uncharged: events }
  }
  if (events.length === 1) {
    const [item] = events as [Decoded<T>]
    context.log(`${prefix} event ${item.id} failed: ${whole.error.message}`)
    return { ...result, failures: [{ item, error: whole.error.message }] }
  }
  context.log(`${prefix} batch of ${events.length} failed, one by one now: ${whole.error.message}`)
  for (const [index, item] of events.entries()) {
    if (context.isStopping()) {
      result.uncharged.push(...events.slice(index))
      break
    }
    const alone = await call(context, [item])
    if (alone.isOk()) result.done.push(item.id)
    else if (context.isTransient(alone.error)) {
      context.log(`${prefix} transient error one by one: ${alone.error.message}`)
      result.uncharged.push(...events.slice(index))
      break
    } else result.failures.push({ item, error: alone.error.message })
  }
  if (result.failures.length > 0)
    context.log(`${prefix} ${result.failures.length} of ${events.length} events failed alone`)
  return result
}

/** A handler that throws (a bug) is treated like one that returned the error, so one event's bug is isolated too. */
async function call<T>(
  context: AttemptContext<T>,
  events: Decoded<T>[],
): Promise<Result<void, Error>> {
  try {
    return await context.handle(events)
  } catch (cause) {
    return err(cause instanceof Error ? cause : new Error(String(cause)))
  }
}
