import { err, type Result, type ResultAsync } from 'neverthrow'

/** A decoded event with its stream id. */
export type Decoded<T> = { id: string; event: T }

/**
 * What a handler may answer besides "all done": the ids of events whose
 * outcome it could not learn yet (a payment whose answer was lost). They stay
 * pending, are not counted against the event, and are offered again after a
 * pause, while the rest of the stream goes on.
 */
export type Later = { later: readonly string[] }

/** What handing events to the handler needs. */
export type AttemptContext<T> = {
  /** Resolves ok when done: with nothing, or with a `Later` naming what is not done yet. */
  handle: (events: Decoded<T>[]) => ResultAsync<unknown, Error>
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
  /** Left for later by the handler itself (`Later`): not their fault either, and no reason to stop reading. */
  later: Decoded<T>[]
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
  const result: Attempt<T> = { done: [], failures: [], uncharged: [], later: [] }
  if (events.length === 0) return result
  const whole = await call(context, events)
  if (whole.isOk()) {
    const later = new Set(laterOf(whole.value))
    for (const item of events)
      if (later.has(item.id)) result.later.push(item)
      else result.done.push(item.id)
    return result
  }
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
    if (alone.isOk() && laterOf(alone.value).includes(item.id)) result.later.push(item)
    else if (alone.isOk()) result.done.push(item.id)
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
): Promise<Result<unknown, Error>> {
  try {
    return await context.handle(events)
  } catch (cause) {
    return err(cause instanceof Error ? cause : new Error(String(cause)))
  }
}

/** The ids a handler's answer leaves for later; none when it answered plain success. */
function laterOf(answer: unknown): readonly string[] {
  return (answer as Partial<Later> | undefined)?.later ?? []
}
