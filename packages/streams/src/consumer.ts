import type Redis from 'ioredis'
import type { Result, ResultAsync } from 'neverthrow'
import type { ConsumerCounters } from './counters.ts'
import { deliverRound, type RoundContext } from './deliver.ts'
import { ensureGroup, type StreamEntry, toEntries } from './entries.ts'
import { createJanitor } from './janitor.ts'
import { startStatsLog } from './stats-log.ts'

/** Takes a batch of decoded events; its durable effect must be done when it resolves ok. */
export type BatchHandler<T> = (events: { id: string; event: T }[]) => ResultAsync<void, Error>

/** How one consumer of a group runs; only the first seven are required. */
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
  /** First pause after a failed round; doubles on each failure in a row, up to maxRetryDelayMs. */
  retryDelayMs?: number
  /** Longest pause between retries (default 10 s). */
  maxRetryDelayMs?: number
  /**
   * Deliveries an event may fail alone before it is dead-lettered as poison (default 5);
   * an entry delivered more often than this without any answer (the process crashed on
   * it) is dead-lettered without being handled again.
   */
  maxDeliveries?: number
  /**
   * Tells a failure that is the dependency's fault (connection refused, lock wait timeout)
   * from one that is the event's. Transient failures are retried and never count toward
   * maxDeliveries, so an outage does not empty the stream into the dead letters. By
   * default every failure counts.
   */
  isTransient?: (error: Error) => boolean
  /** Another consumer's unacknowledged entry is reclaimed once idle this long (default 30 s). */
  claimIdleMs?: number
  /**
   * How often the janitor looks for such entries (default 5 s; 0 turns it off). It runs
   * between reads, once this consumer's own pending entries are done, so a busy consumer
   * does not take on more than it can handle; an idle one checks within blockMs.
   */
  claimEveryMs?: number
  /** One stats line through `log` this often (default 30 s; 0 turns it off). */
  statsEveryMs?: number
  log?: (line: string) => void
  /** Fault injection for crash tests: called between the steps where a crash matters most. */
  hooks?: {
    afterRead?: (ids: string[]) => void | Promise<void>
    afterHandle?: (ids: string[]) => void | Promise<void>
  }
}

/** A running consumer, as startConsumer returns it. */
export type Consumer = {
  /** Stops reading, lets the batch in hand finish and be acknowledged, then resolves. */
  stop: () => Promise<void>
  /** Resolves when the loop has ended. */
  done: Promise<void>
  /** A snapshot of this consumer's counters. */
  counters: () => ConsumerCounters
}

/**
 * Runs one consumer of a group: replays its own pending entries, then reads
 * new ones in batches; acknowledges an entry only after `handle` succeeded
 * for it. A failed batch is retried event by event so the good events go
 * through; an event still failing on its `maxDeliveries`-th delivery goes to
 * the dead-letter stream with its error, as does an entry that does not
 * decode. Between reads a janitor reclaims entries that a dead consumer left
 * pending. `stop()` returns within `blockMs` of an idle read.
 *
 * @example
 * const consumer = startConsumer({ redis, stream, group: 'order-writer', consumer: 'w1',
 *   decode: parseOrderPlaced, handle: writeOrders, deadLetterStream, maxDeliveries: 5 })
 * consumer.counters() // { handled: 0, failed: 0, deadLettered: 0, claimed: 0 }
 * await consumer.stop()
 */
export function startConsumer<T>(options: ConsumerOptions<T>): Consumer {
  const { redis, stream, group, consumer } = options
  const batchSize = options.batchSize ?? 500
  const blockMs = options.blockMs ?? 1000
  const retryDelayMs = options.retryDelayMs ?? 500
  const maxRetryDelayMs = Math.max(options.maxRetryDelayMs ?? 10_000, retryDelayMs)
  const log = options.log ?? ((line: string) => console.error(line))
  const prefix = `[${group}/${consumer}]`
  const counters: ConsumerCounters = { handled: 0, failed: 0, deadLettered: 0, claimed: 0 }
  const reader = redis.duplicate()
  let readerId: number | undefined
  let blockedRead = false
  let stopping = false
  let wake: (() => void) | undefined

  const context: RoundContext<T> = {
    ...options,
    maxDeliveries: Math.max(1, options.maxDeliveries ?? 5),
    isTransient: options.isTransient ?? (() => false),
    isStopping: () => stopping,
    log,
  }
  const janitor = createJanitor({
    redis,
    stream,
    group,
    consumer,
    idleMs: options.claimIdleMs ?? 30_000,
    everyMs: options.claimEveryMs ?? 5_000,
    count: batchSize,
  })

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopping) return resolve()
      const timer = setTimeout(resolve, ms)
      wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })

  async function read(cursor: '0' | '>'): Promise<StreamEntry[]> {
    const block = cursor === '>' ? ['BLOCK', blockMs] : []
    blockedRead = cursor === '>'
    try {
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
    } finally {
      blockedRead = false
    }
  }

  /** True when entries were moved to us, which we then read as our own pending ones. */
  async function sweep(): Promise<boolean> {
    const { claimed, deleted } = await janitor.sweep()
    counters.claimed += claimed
    if (claimed + deleted > 0)
      log(`${prefix} reclaimed ${claimed} idle entries (${deleted} already deleted)`)
    return claimed > 0
  }

  async function loop(): Promise<void> {
    await ensureGroup(redis, stream, group)
    readerId = (await reader.client('ID')) as number
    // Our own pending entries first: whatever a previous run of this consumer read and never acknowledged.
    let cursor: '0' | '>' = '0'
    let failuresInARow = 0
    while (!stopping) {
      try {
        if (cursor === '>' && janitor.due() && (await sweep())) cursor = '0'
        if (stopping) break
        const entries = await read(cursor)
        if (entries.length === 0) {
          cursor = '>'
          continue
        }
        const outcome = await deliverRound(context, entries, { redelivered: cursor === '0' })
        counters.handled += outcome.handled
        counters.failed += outcome.failed
        counters.deadLettered += outcome.deadLettered
        if (outcome.failed === 0) {
          failuresInARow = 0
          continue
        }
      } catch (error) {
        if (stopping) break
        // Redis unreachable (or a hook threw): what was read stays pending for the next read.
        log(`${prefix} round failed, retrying: ${String(error)}`)
      }
      cursor = '0'
      failuresInARow++
      await pause(Math.min(retryDelayMs * 2 ** (failuresInARow - 1), maxRetryDelayMs))
    }
  }

  /**
   * Ends a blocking XREADGROUP now instead of after blockMs. CLIENT UNBLOCK
   * makes it return nil, as on a timeout, so no delivered entry is dropped on
   * the floor. It is repeated because the read may not have reached Redis yet.
   */
  async function interruptRead(): Promise<void> {
    let finished = false
    done.then(
      () => (finished = true),
      () => (finished = true),
    )
    while (!finished && readerId !== undefined) {
      if (blockedRead) {
        const unblocked = await redis.client('UNBLOCK', readerId).catch(() => 0)
        if (unblocked === 1) return
      }
      await Promise.race([done.catch(() => {}), Bun.sleep(20)])
    }
  }

  const stats = startStatsLog({
    redis,
    stream,
    group,
    deadLetterStream: options.deadLetterStream,
    everyMs: options.statsEveryMs ?? 30_000,
    line: (text) => log(`${prefix} ${text}`),
    counters: () => ({ ...counters }),
  })
  const done = loop().finally(async () => {
    await stats.stop()
    reader.disconnect()
  })
  return {
    done,
    counters: () => ({ ...counters }),
    async stop() {
      stopping = true
      wake?.()
      await Promise.all([interruptRead(), done])
    },
  }
}
