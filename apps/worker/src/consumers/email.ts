import { type EmailRequested, onlyOf } from '@flash/contracts'
import { orders, processedEvents, users } from '@flash/db'
import { duplicateClient } from '@flash/redis'
import { type Consumer, type ConsumerOptions, startConsumer } from '@flash/streams'
import { and, eq, sql } from 'drizzle-orm'
import { ResultAsync } from 'neverthrow'
import type { Resend } from 'resend'
import { inList, insertRows } from '../bulk-sql.ts'
import type { WorkerContext } from '../context.ts'
import { isTransientError, TransientError } from '../transient.ts'
import { BATCH_LIMIT, type MailBatch, type MailOutbox, mailOutbox } from './email-outbox.ts'
import { render } from './email-templates.ts'

export const EMAIL_GROUP = 'email'

/** Resend said nothing was created (strict validation refused the batch): it may be redone differently. */
const REFUSED_WHOLE = new Set([400, 422])

/**
 * Sends one e-mail per key (`kind:orderId`), however often it is asked for,
 * in batches of up to 100 per Resend call. A row in processed_events records
 * each sent key. Resend's batch endpoint has one idempotency key per request,
 * so what may have gone out is kept in the outbox (Redis) until it is on
 * record: a batch interrupted by a crash or an unknown answer is sent again
 * unchanged under the same key, and Resend answers the first answer instead
 * of sending twice, whichever consumer and however the events come back. A
 * batch costs three queries however large it is (which keys are done, who
 * the recipients are, what was sent) and a few Redis round trips.
 *
 * @example
 * await sendEmails(ctx, resend, 'Flash Sale <orders@flash.local>', outbox, events)
 */
export async function sendEmails(
  ctx: WorkerContext,
  resend: Resend,
  from: string,
  outbox: MailOutbox,
  events: EmailRequested[],
): Promise<void> {
  const keys = [...new Set(events.map((event) => event.key))]
  if (keys.length === 0) return
  let plan: Plan | null = null
  for (let round = 0; plan === null; round++) {
    if (round === 5) throw new TransientError('e-mail claims kept changing under this batch')
    plan = await planBatches(ctx, from, outbox, events, keys)
  }
  const batches = [...plan.fresh, ...(await outbox.stored(plan.resumed))]
  const answers = await Promise.all(
    batches.map((batch) => resend.batch.send(batch.emails, { idempotencyKey: batch.id })),
  )
  const sent = batches.filter((_, i) => !answers[i]?.error)
  const refused = batches.filter((_, i) => REFUSED_WHOLE.has(answers[i]?.error?.statusCode ?? 0))
  const recorded = [...plan.dropped, ...sent.flatMap((batch) => batch.keys)]
  if (recorded.length > 0) {
    const now = new Date()
    // Sorted: two consumers recording overlapping keys lock their rows in the same
    // order, so they wait for each other instead of deadlocking.
    recorded.sort()
    await insertRows(
      ctx.db,
      processedEvents,
      recorded.map((key) => ({ eventId: key, consumer: EMAIL_GROUP, processedAt: now })),
      'event_id = event_id',
    )
  }
  // On record first, then forgotten: a key that is neither claimed nor recorded is free.
  await outbox.release([...sent, ...refused])
  const failed = answers.flatMap((answer, i) =>
    answer.error ? [[batches[i], answer.error] as const] : [],
  )
  const [first] = failed
  if (!first) return
  const [batch, error] = first
  const detail = `${failed.length} of ${batches.length} e-mail batches not sent (${batch?.id}: ${error.name} ${error.statusCode}: ${error.message})`
  // Unknown outcome (provider down, busy, rate limited): the batch waits, claimed, and goes again unchanged.
  if (error.statusCode === null || error.statusCode >= 500 || error.statusCode === 429)
    throw new TransientError(detail)
  throw new Error(detail)
}

type Plan = {
  /** New batches, claimed and stored: to send. */
  fresh: MailBatch[]
  /** Ids of batches that claimed some of these keys earlier: to send again unchanged. */
  resumed: string[]
  /** Keys with nobody to send to: recorded as done without sending. */
  dropped: string[]
}

/** Which keys are claimed, done or new, and the new ones claimed in batches; null when a claim raced us. */
async function planBatches(
  ctx: WorkerContext,
  from: string,
  outbox: MailOutbox,
  events: EmailRequested[],
  keys: string[],
): Promise<Plan | null> {
  const claimed = await outbox.watch(keys)
  try {
    const free = keys.filter((key) => !claimed.has(key))
    const doneKeys = free.length > 0 ? await recordedKeys(ctx, free) : new Set<string>()
    const freeKeys = new Set(free.filter((key) => !doneKeys.has(key)))
    const todo = [
      ...new Map(events.filter((e) => freeKeys.has(e.key)).map((e) => [e.key, e])).values(),
    ]
    const resumed = [...new Set(claimed.values())]
    const recipients = todo.length > 0 ? await recipientsOf(ctx, todo) : new Map<string, string>()
    const dropped: string[] = []
    const fresh: MailBatch[] = []
    for (const event of todo) {
      const to = recipients.get(event.key)
      if (!to) {
        ctx.log(`[email] nobody to send ${event.key} to; dropped`)
        dropped.push(event.key)
        continue
      }
      let batch = fresh.at(-1)
      if (!batch || batch.keys.length === BATCH_LIMIT) {
        batch = { id: `email-batch/${Bun.randomUUIDv7()}`, keys: [], emails: [] }
        fresh.push(batch)
      }
      const { subject, text } = render(event)
      batch.keys.push(event.key)
      batch.emails.push({ from, to, subject, text })
    }
    if (fresh.length === 0) {
      await outbox.unwatch()
      return { fresh, resumed, dropped }
    }
    return (await outbox.claim(fresh)) ? { fresh, resumed, dropped } : null
  } catch (error) {
    await outbox.unwatch().catch(() => {})
    throw error
  }
}

/** The keys already sent (one query for the batch). */
async function recordedKeys(ctx: WorkerContext, keys: string[]): Promise<Set<string>> {
  const done = await ctx.db
    .select({ key: processedEvents.eventId })
    .from(processedEvents)
    .where(
      and(
        sql`${processedEvents.eventId} in ${inList(keys)}`,
        eq(processedEvents.consumer, EMAIL_GROUP),
      ),
    )
  return new Set(done.map((row) => row.key))
}

/** key -> address: given, of a user, or of an order's buyer (one query per kind of lookup). */
async function recipientsOf(
  ctx: WorkerContext,
  events: EmailRequested[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>()
  const userIds = events.flatMap((e) => (!e.to && e.userId ? [e.userId] : []))
  const orderIds = events.flatMap((e) => (!e.to && !e.userId && e.orderId ? [e.orderId] : []))
  const byUser = new Map<string, string>()
  const byOrder = new Map<string, string>()
  if (userIds.length > 0)
    for (const row of await ctx.db
      .select({ id: users.id, email: users.email })
      .from(users)
      .where(sql`${users.id} in ${inList(userIds)}`))
      byUser.set(row.id, row.email)
  if (orderIds.length > 0)
    for (const row of await ctx.db
      .select({ id: orders.id, email: users.email })
      .from(orders)
      .innerJoin(users, eq(users.id, orders.userId))
      .where(sql`${orders.id} in ${inList(orderIds)}`))
      byOrder.set(row.id, row.email)
  for (const event of events) {
    const to =
      event.to ??
      (event.userId
        ? byUser.get(event.userId)
        : event.orderId
          ? byOrder.get(event.orderId)
          : undefined)
    if (to) found.set(event.key, to)
  }
  return found
}

/**
 * @example
 * startEmail(ctx, resend, from, { partition: 0, stream, consumer: 'worker-1', deadLetterStream })
 */
export function startEmail(
  ctx: WorkerContext,
  resend: Resend,
  from: string,
  options: { partition: number } & Omit<
    ConsumerOptions<EmailRequested>,
    'group' | 'decode' | 'handle' | 'redis'
  >,
): Consumer {
  const { partition, ...rest } = options
  // WATCH holds per connection: the outbox gets one of its own.
  const outbox = mailOutbox(duplicateClient(ctx.redis), ctx.space, partition)
  const consumer = startConsumer<EmailRequested>({
    ...rest,
    isTransient: isTransientError,
    redis: ctx.redis,
    group: EMAIL_GROUP,
    decode: onlyOf('email.requested'),
    handle: (batch) =>
      ResultAsync.fromPromise(
        sendEmails(
          ctx,
          resend,
          from,
          outbox,
          batch.map(({ event }) => event),
        ),
        (cause) => (cause instanceof Error ? cause : new Error(String(cause))),
      ),
  })
  return {
    ...consumer,
    async stop() {
      await consumer.stop()
      outbox.close()
    },
  }
}
