import type Redis from 'ioredis'
import type { Result } from 'neverthrow'
import { type AttemptContext, attempt, type Decoded } from './attempt.ts'
import { type DeadLetter, writeDeadLetters } from './dead-letter.ts'
import type { StreamEntry } from './entries.ts'
import { deliveryCounts, refundDeliveries } from './pending.ts'

/** What one round needs from its consumer; built once by startConsumer. */
export type RoundContext<T> = AttemptContext<T> & {
  redis: Redis
  stream: string
  group: string
  consumer: string
  deadLetterStream: string
  decode: (fields: Record<string, string>) => Result<T, string>
  maxDeliveries: number
  hooks?: {
    afterRead?: (ids: string[]) => void | Promise<void>
    afterHandle?: (ids: string[]) => void | Promise<void>
  }
}

/**
 * How a round ended; `failed` and `later` entries are still pending and will
 * be delivered again (`later`: the handler asked for it, see `Later`).
 */
export type RoundOutcome = { handled: number; failed: number; later: number; deadLettered: number }

type Letter = Omit<DeadLetter, 'stream' | 'group' | 'consumer'>

/**
 * Delivers one batch read from the stream: dead-letters what cannot be
 * handled, hands the rest to the handler (see `attempt`), dead-letters an
 * event that failed alone on its maxDeliveries-th delivery, with the error,
 * and takes back the delivery of events that were not judged alone.
 * Acknowledges only what was handled or dead-lettered, and only after.
 *
 * @example
 * await deliverRound(context, entries, { redelivered: true }) // { handled: 499, failed: 0, deadLettered: 1 }
 */
export async function deliverRound<T>(
  context: RoundContext<T>,
  entries: StreamEntry[],
  { redelivered }: { redelivered: boolean },
): Promise<RoundOutcome> {
  const prefix = `[${context.group}/${context.consumer}]`
  await context.hooks?.afterRead?.(entries.map((entry) => entry.id))
  const { events, dead } = decodeAll(context, entries)
  const fieldsById = new Map(entries.map((entry) => [entry.id, entry.fields]))
  const fieldsOf = (id: string) => fieldsById.get(id) ?? null

  // A fresh read is delivery 1, so only redeliveries can be over the limit. These never got
  // an answer from the handler (it crashed the process or hung), so there is no error to report.
  const counts = redelivered ? await countsOf(context, events) : new Map<string, number>()
  const ready = events.filter(({ id }) => {
    const deliveries = counts.get(id) ?? 0
    if (deliveries <= context.maxDeliveries) return true
    const reason = `delivered ${deliveries} times without being acknowledged`
    dead.push({ id, kind: 'poison', reason, deliveries, fields: fieldsOf(id) })
    return false
  })

  const { done, failures, uncharged: notJudged, later } = await attempt(context, ready, prefix)
  // Left for later is not the event's fault: its delivery is taken back like a transient failure's.
  const uncharged = [...notJudged, ...later]
  if (!redelivered && failures.length + uncharged.length > 0)
    for (const [id, n] of await countsOf(context, [...failures.map((f) => f.item), ...uncharged]))
      counts.set(id, n)

  let failed = notJudged.length
  for (const { item, error } of failures) {
    const deliveries = counts.get(item.id) ?? 0
    if (deliveries >= context.maxDeliveries)
      dead.push({
        id: item.id,
        kind: 'poison',
        reason: error,
        deliveries,
        fields: fieldsOf(item.id),
      })
    else failed++
  }
  if (uncharged.length > 0) {
    const refund = new Map(uncharged.map(({ id }) => [id, counts.get(id) ?? 0]))
    await refundDeliveries(context.redis, context.stream, context.group, context.consumer, refund)
  }

  const settled = [...done, ...dead.map((letter) => letter.id)]
  if (settled.length > 0) await context.hooks?.afterHandle?.(settled)
  if (dead.length > 0) {
    const { stream, group, consumer } = context
    const letters = dead.map((letter) => ({ stream, group, consumer, ...letter }))
    await writeDeadLetters(context.redis, context.deadLetterStream, letters)
    const kinds = [...new Set(dead.map((letter) => letter.kind))].join(', ')
    context.log(`${prefix} ${dead.length} ${kinds} entries sent to ${context.deadLetterStream}`)
  }
  if (settled.length > 0) await context.redis.xack(context.stream, context.group, ...settled)
  return { handled: done.length, failed, later: later.length, deadLettered: dead.length }
}

function decodeAll<T>(
  context: RoundContext<T>,
  entries: StreamEntry[],
): { events: Decoded<T>[]; dead: Letter[] } {
  const events: Decoded<T>[] = []
  const dead: Letter[] = []
  for (const { id, fields } of entries) {
    if (!fields) {
      const reason = 'entry was deleted before it was processed'
      dead.push({ id, kind: 'deleted', reason, deliveries: 0, fields })
      continue
    }
    const decoded = context.decode(fields)
    if (decoded.isOk()) events.push({ id, event: decoded.value })
    else dead.push({ id, kind: 'malformed', reason: decoded.error, deliveries: 0, fields })
  }
  return { events, dead }
}

function countsOf<T>(context: RoundContext<T>, items: Decoded<T>[]): Promise<Map<string, number>> {
  const ids = items.map((item) => item.id)
  return deliveryCounts(context.redis, context.stream, context.group, ids)
}
