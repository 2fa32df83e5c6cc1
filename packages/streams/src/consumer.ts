import type Redis from 'ioredis'
import type { Result, ResultAsync } from 'neverthrow'
import { ensureGroup, type StreamEntry, toEntries } from './entries.ts'

/** Takes a batch of decoded events; its durable effect must be done when it resolves ok. */
export type BatchHandler<T> = (events: { id: string; event: T }[]) => ResultAsync<void, Error>

export type ConsumerOptions<T> = {
  /** Used for XACK and dead letters; blocking reads get a connection of their own. */
  redis: Redis
  stream: string
  group: string
  /** Stable across restarts: a restarted consumer replays its own pending entries first. */
  consumer: string
  decode: (fields: Record<string, string>) => Result<T, string>
  handle: BatchHandler<T>
  deadLetterStream: string
  batchSize?: number
  blockMs?: number
  retryDelayMs?: number
  log?: (line: string) => void
  /** Fault injection for crash tests: called between the steps where a crash matters most. */
  hooks?: {
    afterRead?: (ids: string[]) => void | Promise<void>
    afterHandle?: (ids: string[]) => void | Promise<void>
  }
}

export type Consumer = {
  /** Stops reading, lets the batch in hand finish and be acknowledged, then resolves. */
  stop: () => Promise<void>
  /** Resolves when the loop has ended. */
  done: Promise<void>
}

/**
 * Runs one consumer of a group: replays its own pending entries, then reads
 * new ones in batches; acknowledges a batch only after `handle` succeeded.
 * A failed batch stays pending and is retried; an entry that does not decode
 * goes to the dead-letter stream (with the reason) and is acknowledged.
 *
 * @example
 * const consumer = startConsumer({ redis, stream, group: 'order-writer', consumer: 'w1',
 *   decode: parseOrderPlaced, handle: writeOrders, deadLetterStream })
 * await consumer.stop()
 */
export function startConsumer<T>(options: ConsumerOptions<T>): Consumer {
  const { redis, stream, group, consumer } = options
  const batchSize = options.batchSize ?? 500
  const blockMs = options.blockMs ?? 1000
  const retryDelayMs = options.retryDelayMs ?? 500
  const log = options.log ?? ((line: string) => console.error(line))
  const reader = redis.duplicate()
  let stopping = false
  let wake: (() => void) | undefined

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })

  async function read(cursor: '0' | '>'): Promise<StreamEntry[]> {
    const block = cursor === '>' ? ['BLOCK', blockMs] : []
    const reply = await reader.xreadgroup(
      'GROUP',
      group,
      consumer,
      'COUNT',
      batchSize,
      ...(block as ['BLOCK', number]),
      'STREAMS',
      stream,
      cursor,
    )
    return toEntries(reply)
  }

  async function process(entries: StreamEntry[]): Promise<boolean> {
    const ids = entries.map((entry) => entry.id)
    await options.hooks?.afterRead?.(ids)
    const good: { id: string; event: T }[] = []
    const dead: { id: string; reason: string; fields: Record<string, string> | null }[] = []
    for (const entry of entries) {
      if (!entry.fields) {
        dead.push({
          id: entry.id,
          reason: 'entry was deleted before it was processed',
          fields: null,
        })
        continue
      }
      const decoded = options.decode(entry.fields)
      if (decoded.isOk()) good.push({ id: entry.id, event: decoded.value })
      else dead.push({ id: entry.id, reason: decoded.error, fields: entry.fields })
    }
    if (good.length > 0) {
      const handled = await options.handle(good)
      if (handled.isErr()) {
        log(
          `[${group}/${consumer}] batch of ${good.length} failed, will retry: ${handled.error.message}`,
        )
        return false
      }
    }
    await options.hooks?.afterHandle?.(ids)
    if (dead.length > 0) {
      const pipeline = redis.pipeline()
      for (const entry of dead) {
        pipeline.xadd(
          options.deadLetterStream,
          '*',
          'stream',
          stream,
          'group',
          group,
          'id',
          entry.id,
          'reason',
          entry.reason,
          'fields',
          JSON.stringify(entry.fields),
        )
      }
      await pipeline.exec()
      log(
        `[${group}/${consumer}] ${dead.length} malformed entries sent to ${options.deadLetterStream}`,
      )
    }
    await redis.xack(stream, group, ...ids)
    return true
  }

  async function loop(): Promise<void> {
    await ensureGroup(redis, stream, group)
    // Our own pending entries first: whatever a previous run of this consumer read and never acknowledged.
    let cursor: '0' | '>' = '0'
    while (!stopping) {
      try {
        const entries = await read(cursor)
        if (entries.length === 0) {
          cursor = '>'
          continue
        }
        const ok = await process(entries)
        if (!ok) {
          cursor = '0'
          await pause(retryDelayMs)
        }
      } catch (error) {
        if (stopping) break
        log(`[${group}/${consumer}] read failed, retrying: ${String(error)}`)
        cursor = '0'
        await pause(retryDelayMs)
      }
    }
  }

  const done = loop().finally(() => reader.disconnect())
  return {
    done,
    async stop() {
      stopping = true
      wake?.()
      await done
    },
  }
}
