import { type EmailRequested, onlyOf } from '@flash/contracts'
import { orders, processedEvents, users } from '@flash/db'
import { type ConsumerOptions, startConsumer } from '@flash/streams'
import { and, eq, sql } from 'drizzle-orm'
import { ResultAsync } from 'neverthrow'
import type { Resend } from 'resend'
import type { WorkerContext } from '../context.ts'
import { isTransientError } from '../transient.ts'
import { render } from './email-templates.ts'

export const EMAIL_GROUP = 'email'

/**
 * Sends one e-mail per key (`kind:orderId`), however often it is asked for.
 * A row in processed_events records each sent key; the key also goes to the
 * provider as its Idempotency-Key, so a crash between sending and recording
 * cannot send a second copy either.
 *
 * @example
 * await sendEmail(ctx, resend, 'Flash Sale <orders@flash.local>', event)
 */
export async function sendEmail(
  ctx: WorkerContext,
  resend: Resend,
  from: string,
  event: EmailRequested,
): Promise<void> {
  const done = await ctx.db
    .select({ at: processedEvents.processedAt })
    .from(processedEvents)
    .where(and(eq(processedEvents.eventId, event.key), eq(processedEvents.consumer, EMAIL_GROUP)))
  if (done.length > 0) return

  const to = await recipientOf(ctx, event)
  if (!to) {
    ctx.log(`[email] nobody to send ${event.key} to; dropped`)
    return
  }
  const { subject, text } = render(event)
  const sent = await resend.emails.send({ from, to, subject, text }, { idempotencyKey: event.key })
  if (sent.error) throw new Error(`e-mail ${event.key} not sent: ${sent.error.message}`)
  await ctx.db
    .insert(processedEvents)
    .values({ eventId: event.key, consumer: EMAIL_GROUP, processedAt: new Date() })
    .onDuplicateKeyUpdate({ set: { eventId: sql`event_id` } })
}

async function recipientOf(ctx: WorkerContext, event: EmailRequested): Promise<string | null> {
  if (event.to) return event.to
  if (event.userId) {
    const [user] = await ctx.db
      .select({ email: users.email })
      .from(users)
      .where(eq(users.id, event.userId))
    return user?.email ?? null
  }
  if (!event.orderId) return null
  const [owner] = await ctx.db
    .select({ email: users.email })
    .from(orders)
    .innerJoin(users, eq(users.id, orders.userId))
    .where(eq(orders.id, event.orderId))
  return owner?.email ?? null
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
        Promise.all(batch.map(({ event }) => sendEmail(ctx, resend, from, event))),
        (cause) => (cause instanceof Error ? cause : new Error(String(cause))),
      ).map(() => undefined),
  })
}
