import { streamKey } from '@flash/redis'
import { writerFence } from '@flash/redis/recovery'
import type { Consumer, ConsumerOptions } from '@flash/streams'
import type { Resend } from 'resend'
import { startEmail } from './consumers/email.ts'
import { startOrderWriter } from './consumers/order-writer.ts'
import { startPayment } from './consumers/payment.ts'
import { startRefund } from './consumers/refund.ts'
import { startRollback } from './consumers/rollback.ts'
import { startShipping } from './consumers/shipping.ts'
import type { WorkerContext } from './context.ts'
import type { PaymentProvider } from './payment-provider.ts'

export type WorkerConfig = WorkerContext & {
  name: string
  /** The partitions to consume from the start (all of them when unset); `consume` adds more. */
  partitions?: readonly number[]
  orderWriterBatch: number
  paymentBatch?: number
  /** Charges in flight at once within a payment batch. */
  paymentConcurrency?: number
  provider: PaymentProvider
  resend: Resend
  emailFrom: string
  blockMs?: number
  /** Fault injection for the order-writer's crash test. */
  hooks?: ConsumerOptions<unknown>['hooks']
}

/** A running worker: `consume` starts its consumers on one more partition (adoption). */
export type RunningWorker = { consume: (partition: number) => void; stop: () => Promise<void> }

/**
 * Starts every consumer of this worker on each of its partitions:
 *
 *   orders ──▶ order-writer (MySQL) ──▶ payments ──▶ payment ──▶ refunds (a late charge)
 *                               ├──▶ refunds ──▶ refund (provider) ──▶ emails (refunded)
 *                               ├──▶ shipping ──▶ shipping (shipment rows)
 *                               └──▶ emails ──▶ email (Resend)
 *   payment timeout (schedule) ──▶ rollbacks ──▶ rollback
 *
 * @example
 * const worker = startWorker({ redis, db, space, log, name: 'worker-1', partitions: [0, 2], ... })
 * worker.consume(1) // partition 1's worker is gone
 * await worker.stop()
 */
export function startWorker(config: WorkerConfig): RunningWorker {
  const ctx: WorkerContext = config
  const consumers: Consumer[] = []
  const consumed = new Set<number>()
  let stopping = false
  const consume = (partition: number) => {
    if (stopping || consumed.has(partition)) return
    consumed.add(partition)
    const stream = (name: string) => streamKey(config.space, partition, name)
    const common = {
      consumer: config.name,
      deadLetterStream: stream('dead-letter'),
      blockMs: config.blockMs,
      log: config.log,
    }
    consumers.push(
      startOrderWriter({
        ...common,
        db: config.db,
        redis: config.redis,
        stream: stream('orders'),
        // Keeps its transactions out of a Redis recovery's way (redis_fences).
        fence: writerFence(config.redis, config.space, partition, stream('orders')),
        paymentsStream: stream('payments'),
        refundsStream: stream('refunds'),
        shippingStream: stream('shipping'),
        emailsStream: stream('emails'),
        batchSize: config.orderWriterBatch,
        hooks: config.hooks,
      }),
      startPayment(ctx, config.provider, {
        ...common,
        stream: stream('payments'),
        refundsStream: stream('refunds'),
        batchSize: config.paymentBatch ?? 500,
        concurrency: config.paymentConcurrency,
      }),
      startRefund(ctx, config.provider, {
        ...common,
        stream: stream('refunds'),
        emailsStream: stream('emails'),
      }),
      startRollback(ctx, { ...common, stream: stream('rollbacks') }),
      startShipping(ctx, { ...common, stream: stream('shipping') }),
      startEmail(ctx, config.resend, config.emailFrom, {
        ...common,
        partition,
        stream: stream('emails'),
      }),
    )
  }
  const partitions =
    config.partitions ??
    Array.from({ length: config.space.partitions }, (_, partition) => partition)
  for (const partition of partitions) consume(partition)
  return {
    consume,
    stop: () => {
      stopping = true
      return Promise.all(consumers.map((c) => c.stop())).then(() => undefined)
    },
  }
}
