import type { RedisClient } from '@flash/redis'
import type { Result } from 'neverthrow'
import { type AttemptContext, attempt, type Decoded } from './attempt.ts'
import { type DeadLetter, writeDeadLetters } from './dead-letter.ts'
import type { StreamEntry } from './entries.ts'
import { countFailures, failuresKey } from './failures.ts'
import { type History, readHistory, unanswered } from './history.ts'
import { deliveryCounts, refundDeliveries, setDeliveries } from './pending.ts'

/** What one round needs from its consumer; built once by startConsumer. */
export type RoundContext<T> = AttemptContext<T> & {
  redis: RedisClient
  stream: string
  group: string
  consumer: string
  deadLetterStream: string
  decode: (fields: Record<string, string>) => Result<T, string>
  /** Failures of an entry's own (see failures.ts) that make it poison. */
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

/**
 * Deliveries of an entry that may end without an answer before it is handled
 * alone. One is ordinary (the whole process was killed, whatever it held);
 * the process dying with the same entry in hand again makes that entry a
 * suspect, to keep apart from the rest of its batch.
 */
const UNANSWERED_BEFORE_ALONE = 2

type Letter = Omit<DeadLetter, 'stream' | 'group' | 'consumer'>

/** One round's shared state: what is known of each entry before it is handled. */
type Round<T> = {
  context: RoundContext<T>
  prefix: string
  history: Map<string, History>
  fieldsOf: (id: string) => Record<string, string> | null
}

/** A part of the round settled; `halted`: a transient error or a stop left events untried. */
type Settled = RoundOutcome & { halted: boolean }

/**
 * Delivers one batch read from the stream: dead-letters what cannot be
 * decoded, hands the rest to the handler (see `attempt`), and dead-letters
 * an event once the handler has failed on it alone, with an error of the
 * event's own, maxDeliveries times (counted in failures.ts). Deliveries that
 * ended without any answer (the process died) never count: an entry that
 * keeps ending that way is handled alone, after the rest of its batch is
 * acknowledged, with a loud log line each time, and never dead-lettered for
 * it. Takes back the delivery of events that were not judged alone.
 * Acknowledges only what was handled or dead-lettered, and only after.
 *
 * @example
 * await deliverRound(context, entries, { redelivered: true }) // { handled: 499, failed: 0, later: 0, deadLettered: 1 }
 */
export async function deliverRound<T>(
  context: RoundContext<T>,
  entries: StreamEntry[],
  { redelivered }: { redelivered: boolean },
): Promise<RoundOutcome> {
  await context.hooks?.afterRead?.(entries.map((entry) => entry.id))
  const { events, dead } = decodeAll(context, entries)
  const fieldsById = new Map(entries.map((entry) => [entry.id, entry.fields]))
  // A fresh read is every entry's first delivery: there is no history to read.
  const ids = events.map((event) => event.id)
  const history = redelivered
    ? await readHistory(context.redis, context.stream, context.group, ids)
    : new Map<string, History>()
  const round: Round<T> = {
    context,
    prefix: `[${context.group}/${context.consumer}]`,
    history,
    fieldsOf: (id) => fieldsById.get(id) ?? null,
  }

  const suspects = events.filter(({ id }) => unanswered(history.get(id)) >= UNANSWERED_BEFORE_ALONE)
  const alone = new Set(suspects)
  const rest = alone.size === 0 ? events : events.filter((item) => !alone.has(item))
  const outcome = await settle(round, rest, dead)
  if (suspects.length > 0) await settleAlone(round, suspects, outcome)
  const { halted: _, ...counts } = outcome
  return counts
}

/**
 * Hands suspects to the handler one at a time, those that went down with the
 * process least often first. Each one's delivery is taken back until its
 * turn, so that when one of them kills the process again only it is charged
 * with that: the next run handles the others first, and an entry that really
 * crashes the process is left alone, last and loud, instead of holding back
 * the entries read with it.
 */
async function settleAlone<T>(
  round: Round<T>,
  suspects: Decoded<T>[],
  outcome: Settled,
): Promise<void> {
  const { context, history } = round
  const { redis, stream, group, consumer } = context
  const deliveriesOf = (id: string) => history.get(id)?.deliveries ?? 0
  const inTurn = suspects.toSorted(
    (a, b) => unanswered(history.get(a.id)) - unanswered(history.get(b.id)),
  )
  await refund(round, inTurn)
  for (const [index, suspect] of inTurn.entries()) {
    if (outcome.halted || context.isStopping()) {
      // As in attempt's one-by-one pass: what was not tried is not charged (taken back above).
      outcome.failed += inTurn.length - index
      return
    }
    const charged = new Map([[suspect.id, deliveriesOf(suspect.id)]])
    await setDeliveries(redis, stream, group, consumer, charged)
    warnSuspect(round, suspect.id)
    add(outcome, await settle(round, [suspect], []))
  }
}

/**
 * Hands `events` to the handler, charges and dead-letters failures, takes
 * back the deliveries that were not the events' fault, writes `dead` (which
 * it extends) and acknowledges what was settled.
 */
async function settle<T>(round: Round<T>, events: Decoded<T>[], dead: Letter[]): Promise<Settled> {
  const { context, history } = round
  const { redis, stream, group } = context
  const { done, failures, uncharged, later } = await attempt(context, events, round.prefix)
  const charged = failures.map(({ item }) => item.id)
  const totals = await countFailures(redis, stream, group, charged)

  let failed = uncharged.length
  for (const { item, error } of failures) {
    const total = totals.get(item.id) ?? 0
    if (total >= context.maxDeliveries)
      dead.push({
        id: item.id,
        kind: 'poison',
        reason: error,
        deliveries: total,
        fields: round.fieldsOf(item.id),
      })
    else failed++
  }
  // Left for later is not the event's fault: its delivery is taken back like a transient failure's.
  await refund(round, [...uncharged, ...later])

  const settled = [...done, ...dead.map((letter) => letter.id)]
  if (settled.length > 0) await context.hooks?.afterHandle?.(settled)
  if (dead.length > 0) {
    const letters = dead.map((letter) => ({ stream, group, consumer: context.consumer, ...letter }))
    await writeDeadLetters(redis, context.deadLetterStream, letters)
    const kinds = [...new Set(dead.map((letter) => letter.kind))].join(', ')
    context.log(
      `${round.prefix} ${dead.length} ${kinds} entries sent to ${context.deadLetterStream}`,
    )
  }
  const counted = (id: string) => totals.has(id) || (history.get(id)?.failures ?? 0) > 0
  if (settled.length > 0) await acknowledge(context, settled, settled.filter(counted))
  return {
    handled: done.length,
    failed,
    later: later.length,
    deadLettered: dead.length,
    halted: uncharged.length > 0,
  }
}

/**
 * XACK, and the failures counted for those entries with it; an entry that
 * never failed (the common case) costs nothing more.
 */
async function acknowledge<T>(
  context: RoundContext<T>,
  settled: string[],
  counted: string[],
): Promise<void> {
  const { redis, stream, group } = context
  if (counted.length === 0) {
    await redis.xack(stream, group, ...settled)
    return
  }
  const pipeline = redis
    .pipeline()
    .xack(stream, group, ...settled)
    .hdel(failuresKey(stream, group), ...counted)
  for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error
}

/** Takes back this round's delivery of events whose outcome was not their fault. */
async function refund<T>(round: Round<T>, items: Decoded<T>[]): Promise<void> {
  if (items.length === 0) return
  const { redis, stream, group, consumer } = round.context
  const unknown = items.filter(({ id }) => !round.history.has(id)).map(({ id }) => id)
  const fetched = await deliveryCounts(redis, stream, group, unknown)
  const counts = new Map(
    items.map(({ id }) => [id, round.history.get(id)?.deliveries ?? fetched.get(id) ?? 0]),
  )
  await refundDeliveries(redis, stream, group, consumer, counts)
}

/**
 * Says loudly that an entry keeps going down with its process: a crash loop
 * must be seen in the logs (the supervisor sees the restarts), since the
 * entry is an accepted event that is never dropped for it.
 */
function warnSuspect<T>(round: Round<T>, id: string): void {
  const history = round.history.get(id)
  round.context.log(
    `${round.prefix} WARNING entry ${id} delivered ${history?.deliveries} times, ` +
      `${unanswered(history)} of them ended without an answer (the process died with it in hand): ` +
      'handling it alone, after the rest of its batch; it is not dead-lettered for this',
  )
}

function add(total: Settled, part: Settled): void {
  total.handled += part.handled
  total.failed += part.failed
  total.later += part.later
  total.deadLettered += part.deadLettered
  total.halted ||= part.halted
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
