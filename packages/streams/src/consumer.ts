import { isCluster, nodeFor, type RedisClient } from '@flash/redis'
import type Redis from 'ioredis'
import type { Result, ResultAsync } from 'neverthrow'
import type { ConsumerCounters } from './counters.ts'
import { deliverRound, type RoundContext, type RoundOutcome } from './deliver.ts'
import { ensureGroup, type StreamEntry, toEntries } from './entries.ts'
import { createJanitor, type Janitor } from './janitor.ts'
import { isMissingGroup, recreateGroup } from './missing-group.ts'
import { startStatsLog } from './stats-log.ts'

/**
 * Takes a batch of decoded events; its durable effect must be done when it
 * resolves ok, except for the events named by the `Later` it may resolve
 * with (see attempt.ts).
 */
export type BatchHandler<T> = (events: { id: string; event: T }[]) => ResultAsync<unknown, Error>

/** How one consumer of a group runs; only the first seven are required. */
export type ConsumerOptions<T> = {
  /** Used for XACK and dead letters; blocking reads get a connection of their own. */
  redis: RedisClient
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
   * Failures an event may have alone, each an error of its own that the handler reported
   * for it (not a transient one), before it is dead-lettered as poison (default 5). They
   * are counted per entry in Redis (failures.ts), not read from Redis's delivery counter:
   * a delivery that ended without any answer (the process crashed or was killed with the
   * entry in hand) never counts, so a worker killed any number of times while its
   * database stalls never dead-letters what it held. An entry whose deliveries keep ending
   * that way is handled alone, after the rest of its batch, with a loud log line giving its
   * delivery count each time, and is never dead-lettered for it.
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
  /**
   * Awaited before every read; when it fails, so does the round (retried like a
   * failed read). The order-writer captures its partition's generation here
   * (`writerFence`), so that what it checks later is never newer than the read.
   */
  beforeRead?: () => Promise<void>
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
 * through; an event that failed alone `maxDeliveries` times goes to the
 * dead-letter stream with its error, as does an entry that does not decode.
 * Between reads a janitor reclaims entries that a dead consumer left pending.
 * When Redis has lost the group (restarted empty, or from an older state),
 * the consumer creates it again, says so once and goes on reading.
 * `stop()` ends a blocking read at once and resolves once the batch in hand
 * is acknowledged.
 *
 * @example
 * const consumer = startConsumer({ redis, stream, group: 'shipping', consumer: 'worker-1',
 *   decode: parseWorkEvent, handle: (events) => okAsync(console.log(events.length)), deadLetterStream })
 * consumer.counters() // { handled: 0, failed: 0, deadLettered: 0, claimed: 0 }
 * await consumer.stop()
 */
export function startConsumer<T>(options: ConsumerOptions<T>): Consumer {
  const running = new RunningConsumer(options)
  return { done: running.done, counters: () => running.counters(), stop: () => running.stop() }
}

/** Where a read starts: this consumer's own pending entries, or entries never delivered. */
type Cursor = '0' | '>'
const PENDING: Cursor = '0'
const NEW: Cursor = '>'

/** A blocking reader's connection, its CLIENT ID, and the connection to its node that can unblock it. */
type Reader = { connection: Redis; id: number; unblockVia: Redis }

/** One consumer from start to stop; each method is one step of its loop. */
class RunningConsumer<T> {
  readonly done: Promise<void>
  readonly #options: ConsumerOptions<T>
  readonly #batchSize: number
  readonly #blockMs: number
  readonly #retryDelayMs: number
  readonly #maxRetryDelayMs: number
  readonly #log: (line: string) => void
  readonly #prefix: string
  readonly #counters: ConsumerCounters = { handled: 0, failed: 0, deadLettered: 0, claimed: 0 }
  readonly #round: RoundContext<T>
  readonly #janitor: Janitor
  /**
   * Blocking reads get a connection of their own, so XACK and dead letters
   * never wait behind them: a plain connection to the server (on a cluster,
   * to the master that holds the stream), opened at the first read and
   * again after a read failed (the node may have died or lost the slot).
   */
  #reader: Reader | undefined
  #blocked = false
  #stopping = false
  /** When to read the entries the handler left for later (0: none are waiting). */
  #laterAt = 0
  #laterInARow = 0
  #wake: (() => void) | undefined

  constructor(options: ConsumerOptions<T>) {
    const { redis, stream, group, consumer } = options
    this.#options = options
    this.#batchSize = options.batchSize ?? 500
    this.#blockMs = options.blockMs ?? 1000
    this.#retryDelayMs = options.retryDelayMs ?? 500
    this.#maxRetryDelayMs = Math.max(options.maxRetryDelayMs ?? 10_000, this.#retryDelayMs)
    this.#log = options.log ?? ((line: string) => console.error(line))
    this.#prefix = `[${group}/${consumer}]`
    this.#round = {
      ...options,
      maxDeliveries: Math.max(1, options.maxDeliveries ?? 5),
      isTransient: options.isTransient ?? (() => false),
      isStopping: () => this.#stopping,
      log: this.#log,
    }
    this.#janitor = createJanitor({
      redis,
      stream,
      group,
      consumer,
      idleMs: options.claimIdleMs ?? 30_000,
      everyMs: options.claimEveryMs ?? 5_000,
      count: this.#batchSize,
    })
    const stats = startStatsLog({
      redis,
      stream,
      group,
      deadLetterStream: options.deadLetterStream,
      everyMs: options.statsEveryMs ?? 30_000,
      line: (text) => this.#log(`${this.#prefix} ${text}`),
      counters: () => this.counters(),
    })
    this.done = this.#loop().finally(async () => {
      await stats.stop()
      this.#closeReader()
    })
  }

  counters(): ConsumerCounters {
    return { ...this.#counters }
  }

  async stop(): Promise<void> {
    this.#stopping = true
    this.#wake?.()
    await Promise.all([this.#unblockRead(), this.done])
  }

  /**
   * Reads and delivers until stopped, starting with whatever a previous run of
   * this consumer read and never acknowledged. After a failed round it reads
   * its pending entries again, waiting longer after each failure in a row.
   * Entries the handler left for later are read again once their pause is
   * over, between reads of new entries, so they hold nothing else back.
   */
  async #loop(): Promise<void> {
    await ensureGroup(this.#options.redis, this.#options.stream, this.#options.group)
    let cursor = PENDING
    let failuresInARow = 0
    while (!this.#stopping) {
      const next = await this.#step(cursor)
      if (next) {
        cursor = next
        failuresInARow = 0
        continue
      }
      cursor = PENDING
      failuresInARow++
      await this.#pause(this.#backoff(failuresInARow))
    }
  }

  /** The pause before the n-th retry in a row: doubling, up to maxRetryDelayMs. */
  #backoff(inARow: number): number {
    return Math.min(this.#retryDelayMs * 2 ** (inARow - 1), this.#maxRetryDelayMs)
  }

  /** One read and its delivery: the cursor to read from next, or null when the round failed. */
  async #step(cursor: Cursor): Promise<Cursor | null> {
    try {
      if (cursor === NEW && this.#janitor.due() && (await this.#reclaim())) cursor = PENDING
      if (cursor === NEW && this.#laterAt > 0 && Date.now() >= this.#laterAt) cursor = PENDING
      if (this.#stopping) return cursor
      await this.#options.beforeRead?.()
      const entries = await this.#read(cursor)
      if (entries.length === 0) {
        if (cursor === PENDING) this.#laterAt = 0
        return NEW
      }
      const outcome = await this.#deliver(entries, cursor === PENDING)
      if (outcome.failed > 0) return null
      if (outcome.later > 0) {
        // Reading pending entries again now would only return the same ones: new entries first.
        this.#laterInARow++
        this.#laterAt = Date.now() + this.#backoff(this.#laterInARow)
        return NEW
      }
      if (cursor === PENDING) this.#laterInARow = 0
      return cursor
    } catch (error) {
      if (isMissingGroup(error) && !this.#stopping) return this.#recreateGroup()
      // Redis unreachable (or a hook threw): what was read stays pending for the next read.
      if (!this.#stopping) this.#log(`${this.#prefix} round failed, retrying: ${String(error)}`)
      return null
    }
  }

  /**
   * Makes the group Redis lost again and goes on at once: the next read finds
   * it, so the loss is logged once instead of failing every round. Nothing is
   * pending in a new group; the stream is then read from its first entry (see
   * recreateGroup for why that and not only new entries).
   */
  async #recreateGroup(): Promise<Cursor | null> {
    const { redis, stream, group } = this.#options
    const lost = `consumer group ${group} of ${stream} was missing (Redis restarted empty or from an older state)`
    try {
      const created = await recreateGroup(redis, stream, group)
      const how = created ? 'recreated it' : 'another consumer recreated it'
      this.#log(`${this.#prefix} ${lost}: ${how}, reading the stream from its first entry`)
      this.#laterAt = 0
      this.#laterInARow = 0
      return PENDING
    } catch (error) {
      this.#log(`${this.#prefix} ${lost} and recreating it failed, retrying: ${String(error)}`)
      return null
    }
  }

  /** Only a read of new entries blocks: pending ones are there already. */
  async #read(cursor: Cursor): Promise<StreamEntry[]> {
    const block = cursor === NEW ? ['BLOCK', this.#blockMs] : []
    try {
      const reader = await this.#openReader()
      this.#blocked = cursor === NEW
      const reply = await reader.connection.xreadgroup(
        'GROUP',
        this.#options.group,
        this.#options.consumer,
        'COUNT',
        this.#batchSize,
        ...(block as ['BLOCK', number]),
        'STREAMS',
        this.#options.stream,
        cursor,
      )
      return toEntries(reply)
    } catch (error) {
      // Reconnecting would give it another CLIENT ID, and on a cluster the stream may live elsewhere now.
      this.#closeReader()
      if (isCluster(this.#options.redis)) this.#options.redis.refreshSlotsCache()
      throw error
    } finally {
      this.#blocked = false
    }
  }

  /**
   * The reader, opened if needed: on a cluster a plain connection to the
   * master that holds the stream now, so that its CLIENT ID, and the CLIENT
   * UNBLOCK that ends its read (sent on the cluster's own connection to that
   * node), both reach the node the read blocks on.
   */
  async #openReader(): Promise<Reader> {
    if (this.#reader) return this.#reader
    const { redis, stream } = this.#options
    const unblockVia = isCluster(redis) ? await nodeFor(redis, stream) : redis
    const connection = unblockVia.duplicate()
    // Its failures reach the read that made them, which logs the round; no stack trace per retry.
    connection.on('error', () => {})
    try {
      const id = (await connection.client('ID')) as number
      this.#reader = { connection, id, unblockVia }
      return this.#reader
    } catch (error) {
      connection.disconnect()
      throw error
    }
  }

  #closeReader(): void {
    this.#reader?.connection.disconnect()
    this.#reader = undefined
  }

  async #deliver(entries: StreamEntry[], redelivered: boolean): Promise<RoundOutcome> {
    const outcome = await deliverRound(this.#round, entries, { redelivered })
    this.#counters.handled += outcome.handled
    this.#counters.failed += outcome.failed
    this.#counters.deadLettered += outcome.deadLettered
    return outcome
  }

  /** True when entries were moved to us, which we then read as our own pending ones. */
  async #reclaim(): Promise<boolean> {
    const { claimed, deleted } = await this.#janitor.sweep()
    this.#counters.claimed += claimed
    if (claimed + deleted > 0)
      this.#log(`${this.#prefix} reclaimed ${claimed} idle entries (${deleted} already deleted)`)
    return claimed > 0
  }

  /** Waits before a retry; stop() cuts the wait short. */
  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.#stopping) return resolve()
      const timer = setTimeout(resolve, ms)
      this.#wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })
  }

  /**
   * Ends a blocking XREADGROUP now instead of after blockMs. CLIENT UNBLOCK
   * makes it return nil, as on a timeout, so no delivered entry is dropped on
   * the floor. It is repeated because the read may not have reached Redis yet.
   */
  async #unblockRead(): Promise<void> {
    let finished = false
    this.done.then(
      () => (finished = true),
      () => (finished = true),
    )
    while (!finished) {
      const reader = this.#reader
      if (this.#blocked && reader) {
        const unblocked = await reader.unblockVia.client('UNBLOCK', reader.id).catch(() => 0)
        if (unblocked === 1) return
      }
      await Promise.race([this.done.catch(() => {}), Bun.sleep(20)])
    }
  }
}
