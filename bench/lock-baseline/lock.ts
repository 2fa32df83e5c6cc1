import type { RedisClient } from '@flash/redis'

/** Takes the lock if free and returns null, else returns how long the holder's lease still runs. */
const TRY_LOCK = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return nil end
return redis.call('PTTL', KEYS[1])`

/** Deletes the lock only for its owner, and tells the waiters. */
const UNLOCK = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], 'unlocked')
return 1`

/**
 * A Redis lock taken the way Redisson's RLock takes one, for the baseline:
 * SET NX PX with an owner token; a caller that finds it held waits for the
 * holder's unlock message (pub/sub) or the end of the holder's lease, then
 * tries again; unlock deletes only its own lock and publishes the message.
 * As in Redisson, one message lets one waiter through (a semaphore permit).
 *
 * @example
 * const lock = new RedisLock(redis, redis.duplicate())
 * const owner = await lock.acquire('lock:sale:1', 10_000, 10_000)
 * if (owner) try { ... } finally { await lock.release('lock:sale:1', owner) }
 */
export class RedisLock {
  readonly #waiters = new Map<string, (() => void)[]>()
  readonly #permits = new Map<string, number>()
  readonly #subscribed = new Set<string>()

  constructor(
    private readonly redis: RedisClient,
    private readonly subscriber: RedisClient,
  ) {
    subscriber.on('message', (channel: string) => {
      const name = channel.slice(0, -':unlock'.length)
      const wake = this.#waiters.get(name)?.shift()
      if (wake) wake()
      else this.#permits.set(name, (this.#permits.get(name) ?? 0) + 1)
    })
  }

  /** The owner token once the lock is held, or null when `waitMs` passed first. */
  async acquire(name: string, leaseMs: number, waitMs: number): Promise<string | null> {
    const owner = crypto.randomUUID()
    const deadline = Date.now() + waitMs
    for (;;) {
      const ttl = (await this.redis.eval(TRY_LOCK, 1, name, owner, leaseMs)) as number | null
      if (ttl === null) return owner
      const left = deadline - Date.now()
      if (left <= 0) return null
      await this.#waitForUnlock(name, Math.max(1, Math.min(ttl, left)))
    }
  }

  async release(name: string, owner: string): Promise<void> {
    await this.redis.eval(UNLOCK, 1, name, owner, `${name}:unlock`)
  }

  async #waitForUnlock(name: string, timeoutMs: number): Promise<void> {
    if (!this.#subscribed.has(name)) {
      this.#subscribed.add(name)
      await this.subscriber.subscribe(`${name}:unlock`)
    }
    const permits = this.#permits.get(name) ?? 0
    if (permits > 0) {
      this.#permits.set(name, permits - 1)
      return
    }
    const queue = this.#waiters.get(name) ?? []
    this.#waiters.set(name, queue)
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        queue.splice(queue.indexOf(wake), 1)
        resolve()
      }, timeoutMs)
      const wake = () => {
        clearTimeout(timer)
        resolve()
      }
      queue.push(wake)
    })
  }
}
