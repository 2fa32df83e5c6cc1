import type { Db } from '@flash/db/client'
import { type KeySpace, streamKey } from '@flash/redis'
import type { Consumer, ConsumerOptions } from '@flash/streams'
import type Redis from 'ioredis'
import { startOrderWriter } from './consumers/order-writer.ts'

export type WorkerConfig = {
  redis: Redis
  db: Db
  space: KeySpace
  name: string
  orderWriterBatch: number
  blockMs?: number
  hooks?: ConsumerOptions<unknown>['hooks']
  log?: (line: string) => void
}

/**
 * Starts every consumer of this worker on every partition.
 *
 * @example
 * const worker = startWorker({ redis, db, space, name: 'worker-1', orderWriterBatch: 500 })
 * await worker.stop()
 */
export function startWorker(config: WorkerConfig): { stop: () => Promise<void> } {
  const consumers: Consumer[] = []
  for (let partition = 0; partition < config.space.partitions; partition++) {
    consumers.push(
      startOrderWriter({
        db: config.db,
        redis: config.redis,
        stream: streamKey(config.space, partition, 'orders'),
        deadLetterStream: streamKey(config.space, partition, 'dead-letter'),
        consumer: config.name,
        batchSize: config.orderWriterBatch,
        blockMs: config.blockMs,
        hooks: config.hooks,
        log: config.log,
      }),
    )
  }
  return { stop: () => Promise.all(consumers.map((c) => c.stop())).then(() => undefined) }
}
