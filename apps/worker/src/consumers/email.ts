import { type EmailRequested, onlyOf } from '@flash/contracts'
import { orders, processedEvents, users } from '@flash/db'
import { type ConsumerOptions, startConsumer } from '@flash/streams'
import { and, eq, sql } from 'drizzle-orm'
import { ResultAsync } from 'neverthrow'
import type { Resend } from 'resend'
import { inList, insertRows } from '../bulk-sql.ts'
import type { WorkerContext } from '../context.ts'
import { isTransientError } from '../transient.ts'
import { render } from './email-templates.ts'

export const EMAIL_GROUP = 'email'

/**
 * Sends one e-mail per key (`kind:orderId`), however often it is asked for.
 * A row in processed_events records each sent key; the key also goes to the
 * provider as its Idempotency-Key, so a crash between sending and recording
 * cannot send a second copy either. A batch costs three queries however
 * large it is: which keys are done, who the recipients are, what was sent.
 *
 * @example
 * await sendEmails(ctx, resend, 'Flash Sale <orders@flash.local>', events)
 */
export async function sendEmails(
  ctx: WorkerContext,
  resend: Resend,
  from: string,
  events: EmailRequested[],
): Promise<void> {
  const keys = [...new Set(events.map((event) => event.key))]
  if (keys.length === 0) return
  const done = await ctx.db
    .select({ key: processedEvents.eventId })
    .from(processedEvents)
    .where(
      and(
        sql`${processedEvents.eventId} in ${inList(keys)}`,
        eq(processedEvents.consumer, EMAIL_GROUP),
      ),
    )
  const doneKeys = new Set(done.map((row) => row.key))
  const todo = [
    ...new Map(events.filter((e) => !doneKeys.has(e.key)).map((e) => [e.key, e])).values(),
  ]
  if (todo.length === 0) return

  const recipients = await recipientsOf(ctx, todo)
  const sent: string[] = []
  await Promise.all(
    todo.map(async (event) => {
      const to = recipients.get(event.key)
      if (!to) {
        ctx.log(`[email] nobody to send ${event.key} to; dropped`)
        sent.push(event.key)
        return
      }
      const { subject, text } = render(event)
      const answer = await resend.emails.send(
        { from, to, subject, text },
        { idempotencyKey: event.key },
      )
      if (answer.error) throw new Error(`e-mail ${event.key} not sent: ${answer.error.message}`)
      sent.push(event.key)
    }),
  ).finally(async () => {
    // What went out is recorded even when another mail of the batch failed: the retry skips it.
    if (sent.length === 0) return
    const now = new Date()
    await insertRows(
      ctx.db,
      processedEvents,
      sent.map((key) => ({ eventId: key, consumer: EMAIL_GROUP, processedAt: now })),
      'event_id = event_id',
    )
  })
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
 * startEmail(ctx, resend, from, { stream, consumer: 'worker-1', deadLetterStream })
 */
export function startEmail(
  ctx: WorkerContext,
  resend: Resend,
  from: string,
  options: Omit<ConsumerOptions<EmailRequested>, 'group' | 'decode' | 'handle' | 'redis'>,
) {
  return startConsumer<EmailRequested>({
    ...options,
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
          batch.map(({ event }) => event),
        ),
        (cause) => (cause instanceof Error ? cause : new Error(String(cause))),
      ),
  })
}
