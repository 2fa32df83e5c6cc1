import { CircuitBreaker } from '@flash/breaker'
import { connectDb } from '@flash/db/client'
import { serve, stopOnSignals } from '@flash/http'
import { connectRedis, keySpace, loadScripts, requireDurableRedis, streamKey } from '@flash/redis'
import { Resend } from 'resend'
import type { WorkerContext } from './context.ts'
import { env, metricsPort } from './env.ts'
import { metricsApp } from './metrics.ts'
import { watchOtherPartitions } from './partitions/adopt.ts'
import { homePartitions } from './partitions/share.ts'
import { paymentProvider } from './payment-provider.ts'
import { watchRedis } from './recovery/watch.ts'
import { startSchedules } from './schedules.ts'
import { startWorker } from './worker.ts'

const redis = connectRedis(env.REDIS_URL, { name: `worker:${env.WORKER_NAME}` })
await requireDurableRedis(redis, {
  production: env.NODE_ENV === 'production',
  allowNoAof: env.REDIS_ALLOW_NO_AOF,
})
const { db, close } = connectDb(env.DATABASE_URL)
await loadScripts(redis)

const ctx: WorkerContext = {
  redis,
  db,
  space: keySpace(env.REDIS_PREFIX, env.REDIS_PARTITIONS),
  log: (line) => console.log(line),
  orderStateTtlSeconds: env.ORDER_STATE_TTL_SECONDS,
  finishedOrderTtlSeconds: env.FINISHED_ORDER_TTL_SECONDS,
}

// First, so that a Redis that came back empty is rebuilt from MySQL while the consumers start.
const recovery = watchRedis(ctx, {
  everyMs: env.RECOVERY_EVERY_MS,
  settings: {
    orderStateTtlSeconds: env.ORDER_STATE_TTL_SECONDS,
    finishedOrderTtlSeconds: env.FINISHED_ORDER_TTL_SECONDS,
    idempotencyTtlSeconds: env.IDEMPOTENCY_TTL_SECONDS,
    returnWindowSeconds: env.RETURN_WINDOW_SECONDS,
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
  },
})

const paymentBreaker = new CircuitBreaker({
  name: 'payment-provider',
  timeoutMs: env.PAYMENT_TIMEOUT_MS,
  openDurationMs: env.BREAKER_OPEN_MS,
})
paymentBreaker.onTransition((t) => console.log(`[breaker] ${t.breaker}: ${t.from} -> ${t.to}`))

/** Crash on purpose at the named point, to prove that nothing read is lost (tests only). */
const crash = (point: string) => () => {
  if (env.WORKER_FAULT === point) {
    console.error(`[worker] fault injected: ${point}, exiting`)
    process.exit(86)
  }
}

const home = homePartitions(env.WORKER_INDEX, env.WORKER_COUNT, env.REDIS_PARTITIONS)
const worker = startWorker({
  ...ctx,
  name: env.WORKER_NAME,
  partitions: home,
  orderWriterBatch: env.ORDER_WRITER_BATCH,
  paymentBatch: env.PAYMENT_BATCH,
  paymentConcurrency: env.PAYMENT_CONCURRENCY,
  provider: paymentProvider(env.PAYMENT_URL, paymentBreaker),
  resend: new Resend(env.RESEND_API_KEY, { baseUrl: env.RESEND_BASE_URL }),
  emailFrom: env.EMAIL_FROM,
  hooks: { afterRead: crash('exit-after-read'), afterHandle: crash('exit-after-write') },
})
const schedules =
  env.SCHEDULES === 'off'
    ? { stop: () => {} }
    : startSchedules(ctx, {
        statusesEvery: env.SCHEDULE_STATUSES,
        paymentTimeoutEvery: env.SCHEDULE_PAYMENT_TIMEOUT,
        reconcileEvery: env.SCHEDULE_RECONCILE,
        stockSyncEvery: env.SCHEDULE_STOCK_SYNC,
        trimEvery: env.SCHEDULE_TRIM,
        bucketBalanceMs: env.BUCKET_BALANCE_MS,
        timings: {
          shipAfterMs: env.SHIP_AFTER_SECONDS * 1000,
          deliverAfterMs: env.DELIVER_AFTER_SECONDS * 1000,
          returnAfterMs: env.RETURN_AFTER_SECONDS * 1000,
        },
        paymentTimeoutMs: env.UNPAID_ORDER_TIMEOUT_SECONDS * 1000,
        rollbacksStream: streamKey(ctx.space, 0, 'rollbacks'),
      })
// A partition whose own worker stays down (or falls far behind) is not left stranded.
const adoption = watchOtherPartitions(ctx, {
  home,
  afterMs: env.WORKER_ADOPT_AFTER_MS,
  everyMs: env.WORKER_ADOPT_EVERY_MS,
  adopt: (partition) => worker.consume(partition),
})
console.log(
  `worker ${env.WORKER_NAME} consuming (partitions: ${home.join(',')} of ${env.REDIS_PARTITIONS}, worker ${env.WORKER_INDEX} of ${env.WORKER_COUNT}, schedules: ${env.SCHEDULES})`,
)
const metrics =
  metricsPort === undefined
    ? undefined
    : await serve(
        metricsApp({
          redis,
          space: ctx.space,
          breakers: [paymentBreaker],
          serviceToken: env.SERVICE_TOKEN,
        }),
        {
          name: 'worker',
          port: metricsPort,
          host: env.HOST,
          // This process's own stop below stops it, in order.
          signals: false,
          portGroup: env.REUSE_PORT_GROUP,
        },
      )

stopOnSignals(`worker ${env.WORKER_NAME}`, async () => {
  console.log(`worker ${env.WORKER_NAME} stopping: finishing the batches in hand`)
  schedules.stop()
  await metrics?.stop()
  await adoption.stop()
  await recovery.stop()
  paymentBreaker.close()
  await worker.stop()
  redis.disconnect()
  await close()
})
