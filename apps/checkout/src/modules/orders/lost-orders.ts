import { orders } from '@flash/db'
import type { Db } from '@flash/db/client'
import type { RedisClient } from '@flash/redis'
import { type KeySpace, readGeneration, streamKey } from '@flash/redis'
import { inArray } from 'drizzle-orm'
import { AcceptedOrders } from './accepted-orders.ts'
import { lastEntryId, orderWriterReached } from './order-writer-reached.ts'

export type LostOrdersOptions = {
  /** How often each partition's generation marker is read. */
  pollMs: number
  /** How long a check waits for the order-writer to store what survived before it asks MySQL anyway. */
  drainTimeoutMs: number
  /** How many accepted orders are remembered (see `AcceptedOrders`). */
  capacity?: number
}

export const defaultLostOrdersOptions: LostOrdersOptions = { pollMs: 1_000, drainTimeoutMs: 60_000 }

type Deps = { redis: RedisClient; db: Db; space: KeySpace; log: (line: string) => void }

/**
 * Counts the orders this process accepted (answered 202) that Redis lost
 * before the order-writer stored them. Each accepted order is remembered
 * (`accepted`); when a partition is recovered (its generation marker
 * changes, or is missing and comes back, or the reserve script answered
 * that it is recovering: `noteRecovering`), the orders of that partition
 * accepted until then are taken, the order-writer is given time to store
 * what survived (the orders stream drained, or `drainTimeoutMs`), and those
 * MySQL does not have are logged as lost and counted (`lostTotal`,
 * `orders_lost_total` in /metrics).
 *
 * A process that died with Redis forgets what it accepted: its lost orders
 * are not counted. Orders accepted before the last `capacity` are forgotten.
 *
 * @example
 * const lostOrders = new LostOrders({ redis, db, space, log }, defaultLostOrdersOptions)
 * lostOrders.watch()
 * lostOrders.accepted.remember(orderId, partition)
 */
export class LostOrders {
  readonly accepted: AcceptedOrders
  readonly #deps: Deps
  readonly #options: LostOrdersOptions
  /** The server each partition was last seen current on: undefined before the first read. */
  readonly #servers: (string | undefined)[]
  /** Whether each partition was seen recovering and not checked since. */
  readonly #recovering: boolean[]
  readonly #checks = new Set<Promise<void>>()
  #lost = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  #watching = false
  #stopped = false

  constructor(deps: Deps, options: LostOrdersOptions = defaultLostOrdersOptions) {
    this.#deps = deps
    this.#options = options
    this.accepted = new AcceptedOrders(options.capacity)
    this.#servers = new Array(deps.space.partitions).fill(undefined)
    this.#recovering = new Array(deps.space.partitions).fill(false)
  }

  /** Orders logged as lost since the process started. */
  get lostTotal(): number {
    return this.#lost
  }

  /**
   * The partition answered that it is being recovered: once it is current
   * again, the orders accepted there until then are checked.
   */
  noteRecovering(partition: number): void {
    this.#recovering[partition] = true
  }

  /** Reads the partitions' generations every `pollMs` until `stop`. */
  watch(): void {
    if (this.#watching || this.#stopped) return
    this.#watching = true
    const round = () => {
      this.#timer = undefined
      this.poll()
        .catch((error) =>
          this.#deps.log(`[checkout] reading the generation markers failed: ${error}`),
        )
        .finally(() => {
          if (this.#stopped) return
          this.#timer = setTimeout(round, this.#options.pollMs)
          this.#timer.unref?.()
        })
    }
    round()
  }

  /** Stops watching for good; checks under way end without waiting for the order-writer. */
  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer) clearTimeout(this.#timer)
    await Promise.allSettled([...this.#checks])
  }

  /**
   * One read of every partition's generation; starts a check for each
   * partition that is current again after it was seen recovering, or whose
   * marker now names another server (it was rebuilt there since the last read).
   */
  async poll(): Promise<void> {
    const { redis, space } = this.#deps
    const generations = await Promise.all(
      Array.from({ length: space.partitions }, (_, partition) =>
        readGeneration(redis, space, partition).catch(() => null),
      ),
    )
    const now = Date.now()
    for (const generation of generations) {
      if (!generation) continue
      const { partition, state, serverId } = generation
      if (state !== 'current') {
        this.noteRecovering(partition)
        continue
      }
      const before = this.#servers[partition]
      this.#servers[partition] = serverId
      if (!this.#recovering[partition] && (before === undefined || before === serverId)) continue
      this.#recovering[partition] = false
      // Every order accepted until now: those accepted since the partition was
      // rebuilt are in its new stream, and the check waits for the order-writer.
      this.#track(this.check(partition, now))
    }
  }

  /**
   * Takes the orders of `partition` accepted until `until`, waits for the
   * order-writer, and logs and counts those MySQL does not have; answers them.
   */
  async check(partition: number, until: number): Promise<string[]> {
    const ids = this.accepted.take(partition, until)
    if (ids.length === 0) return []
    const { redis, log } = this.#deps
    const stream = streamKey(this.#deps.space, partition, 'orders')
    const deadline = Date.now() + this.#options.drainTimeoutMs
    // Every order accepted until now that survived is in the stream up to its last entry now.
    let watermark: string | null | undefined
    for (;;) {
      watermark ??= await lastEntryId(redis, stream).catch(() => undefined)
      if (
        watermark !== undefined &&
        (await orderWriterReached(redis, stream, watermark).catch(() => false))
      )
        break
      if (this.#stopped) return []
      if (Date.now() >= deadline) {
        log(
          `[checkout] the order-writer has not caught up on ${stream} after ${this.#options.drainTimeoutMs} ms; checking ${ids.length} orders against MySQL anyway`,
        )
        break
      }
      await Bun.sleep(Math.min(250, this.#options.pollMs))
    }
    const lost = await this.#notStored(ids)
    log(
      `[checkout] partition ${partition} was recovered: ${ids.length} orders accepted here checked against MySQL, ${lost.length} lost`,
    )
    if (lost.length > 0) {
      this.#lost += lost.length
      log(`[checkout] orders lost with Redis's data: ${lost.length}: ${lost.join(' ')}`)
    }
    return lost
  }

  /** The ids MySQL has no order for, asked until MySQL answers. */
  async #notStored(ids: string[]): Promise<string[]> {
    const stored = new Set<string>()
    for (let at = 0; at < ids.length; at += CHUNK) {
      const chunk = ids.slice(at, at + CHUNK)
      for (;;) {
        try {
          const rows = await this.#deps.db
            .select({ id: orders.id })
            .from(orders)
            .where(inArray(orders.id, chunk))
          for (const row of rows) stored.add(row.id)
          break
        } catch (error) {
          if (this.#stopped) throw error
          this.#deps.log(`[checkout] cannot check accepted orders against MySQL yet: ${error}`)
          await Bun.sleep(1_000)
        }
      }
    }
    return ids.filter((id) => !stored.has(id))
  }

  #track(check: Promise<unknown>): void {
    const done: Promise<void> = check.then(
      () => {
        this.#checks.delete(done)
      },
      (error) => {
        this.#checks.delete(done)
        this.#deps.log(`[checkout] checking for lost orders failed: ${error}`)
      },
    )
    this.#checks.add(done)
  }
}

/** Ids per MySQL query. */
const CHUNK = 1_000
