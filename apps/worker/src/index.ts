import { connectDb } from '@flash/db/client'
import { connectRedis, keySpace } from '@flash/redis'
import { env } from './env.ts'
import { startWorker } from './worker.ts'

const redis = connectRedis(env.REDIS_URL, { name: `worker:${env.WORKER_NAME}` })
const { db, close } = connectDb(env.DATABASE_URL)

/** Crash on purpose at the named point, to prove that nothing read is lost (tests only). */
const crash = (point: string) => () => {
  if (env.WORKER_FAULT === point) {
    console.error(`[worker] fault injected: ${point}, exiting`)
    process.exit(86)
  }
}

const worker = startWorker({
  redis,
  db,
  space: keySpace(env.REDIS_PREFIX, env.REDIS_PARTITIONS),
  name: env.WORKER_NAME,
  orderWriterBatch: env.ORDER_WRITER_BATCH,
  hooks: { afterRead: crash('exit-after-read'), afterHandle: crash('exit-after-write') },
})
console.log(`worker ${env.WORKER_NAME} consuming (partitions: ${env.REDIS_PARTITIONS})`)

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return
    stopping = true
    console.log(`worker ${env.WORKER_NAME} stopping: finishing the batch in hand`)
    await worker.stop()
    redis.disconnect()
    await close()
    process.exit(0)
  })
}
