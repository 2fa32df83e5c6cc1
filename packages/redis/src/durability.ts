import type Redis from 'ioredis'
import { err, ok, okAsync, type Result, ResultAsync } from 'neverthrow'
import { isCluster, mastersOf, type RedisClient } from './client.ts'

/**
 * What the process is allowed to run on.
 *
 * @example
 * const options: DurabilityOptions = { production: Bun.env.NODE_ENV === 'production', allowNoAof: false }
 */
export type DurabilityOptions = {
  /** NODE_ENV=production: a Redis without an append-only file is refused unless `allowNoAof`. */
  production: boolean
  /** The operator accepts losing what Redis holds on a restart (REDIS_ALLOW_NO_AOF=yes). */
  allowNoAof: boolean
}

/**
 * The three settings that decide whether an acknowledged order survives Redis.
 *
 * @example
 * const settings: DurabilitySettings = { maxmemoryPolicy: 'noeviction', appendonly: 'yes', appendfsync: 'everysec' }
 */
export type DurabilitySettings = {
  maxmemoryPolicy: string
  appendonly: string
  appendfsync: string
}

/**
 * Something to say at start-up, then run anyway.
 *
 * @example
 * const warning: DurabilityWarning = { type: 'ConfigUnreadable', reason: "ERR unknown command 'config'" }
 */
export type DurabilityWarning =
  /** In development, or allowed in production by the operator. */
  | { type: 'NoAof'; allowed: boolean }
  /** The OS decides when the AOF reaches the disk (about every 30 s on Linux). */
  | { type: 'NoFsync' }
  /** Managed services rename or forbid CONFIG: nothing could be checked. */
  | { type: 'ConfigUnreadable'; reason: string }

/**
 * A Redis this process must not run on, or one it could not ask.
 *
 * @example
 * const refusal: DurabilityRefusal = { type: 'Evicts', policy: 'allkeys-lru' }
 */
export type DurabilityRefusal =
  | { type: 'Evicts'; policy: string }
  | { type: 'NoAofInProduction' }
  | { type: 'Unreachable'; reason: string }

/**
 * Reads Redis's eviction policy and append-only settings (CONFIG GET) and
 * judges them: any eviction policy but `noeviction` is refused (evicting a
 * stock counter or a stream entry loses accepted orders silently); no AOF is
 * a warning in development and refused in production unless allowed; a
 * Redis that refuses CONFIG gets a warning, since nothing can be checked.
 *
 * @example
 * const report = await checkRedisDurability(redis, { production: false, allowNoAof: false })
 * if (report.isErr()) console.error(durabilityMessage(report.error, '127.0.0.1:6379'))
 */
export function checkRedisDurability(
  redis: RedisClient,
  options: DurabilityOptions,
): ResultAsync<DurabilityWarning[], DurabilityRefusal> {
  // Each master of a cluster has settings of its own: one that evicts loses its partitions' orders.
  return ResultAsync.fromPromise(mastersOf(redis), unreachable).andThen((nodes) =>
    ResultAsync.combine(nodes.map((node) => checkServer(node, options))).andThen((lists) =>
      okAsync(distinct(lists.flat())),
    ),
  )
}

function distinct(warnings: DurabilityWarning[]): DurabilityWarning[] {
  const seen = new Set<string>()
  return warnings.filter((warning) => {
    const key = JSON.stringify(warning)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

function unreachable(cause: unknown): DurabilityRefusal {
  return { type: 'Unreachable', reason: cause instanceof Error ? cause.message : String(cause) }
}

function checkServer(
  redis: Redis,
  options: DurabilityOptions,
): ResultAsync<DurabilityWarning[], DurabilityRefusal> {
  return readSettings(redis).andThen((settings): Result<DurabilityWarning[], DurabilityRefusal> => {
    if (!settings.ok) return ok([{ type: 'ConfigUnreadable', reason: settings.reason }])
    const { maxmemoryPolicy, appendonly, appendfsync } = settings.value
    if (maxmemoryPolicy !== 'noeviction') return err({ type: 'Evicts', policy: maxmemoryPolicy })
    if (appendonly !== 'yes') {
      if (options.production && !options.allowNoAof) return err({ type: 'NoAofInProduction' })
      return ok([{ type: 'NoAof', allowed: options.production }])
    }
    return ok(appendfsync === 'no' ? [{ type: 'NoFsync' }] : [])
  })
}

type Settings = { ok: true; value: DurabilitySettings } | { ok: false; reason: string }

/** One CONFIG GET per setting: Redis 6 takes only one pattern per call. */
function readSettings(redis: Redis): ResultAsync<Settings, DurabilityRefusal> {
  const get = async (name: string) => {
    const reply = await redis.config('GET', name)
    return Array.isArray(reply) ? String(reply[1] ?? '') : ''
  }
  return ResultAsync.fromPromise(
    Promise.all([get('maxmemory-policy'), get('appendonly'), get('appendfsync')]).then(
      ([maxmemoryPolicy, appendonly, appendfsync]): Settings => ({
        ok: true,
        value: { maxmemoryPolicy, appendonly, appendfsync },
      }),
      (error: unknown) => {
        // Redis answered, with an error (unknown command, NOPERM): it is there, CONFIG is not ours.
        if (error instanceof Error && error.name === 'ReplyError')
          return { ok: false, reason: error.message.trim() }
        throw error
      },
    ),
    unreachable,
  )
}

/**
 * What to tell the operator, with the setting to change, for a warning or a
 * refusal. `where` names the server (host:port, never the password).
 *
 * @example
 * durabilityMessage({ type: 'Evicts', policy: 'allkeys-lru' }, '10.0.0.5:6379')
 * // 'Redis at 10.0.0.5:6379 evicts keys ... Set maxmemory-policy noeviction: ...'
 */
export function durabilityMessage(
  about: DurabilityWarning | DurabilityRefusal,
  where: string,
): string {
  const aofHowTo =
    'turn the append-only file on: `CONFIG SET appendonly yes` and `CONFIG SET appendfsync everysec` ' +
    '(or `always`), then `CONFIG REWRITE`; or the lines `appendonly yes` and `appendfsync everysec` in redis.conf'
  const loses =
    'a Redis restart or crash loses every order it acknowledged that the worker has not yet stored in MySQL, ' +
    'and the stock and holdings of every live sale'
  switch (about.type) {
    case 'Evicts':
      return (
        `Redis at ${where} evicts keys when it reaches maxmemory (maxmemory-policy ${about.policy}): ` +
        'stock counters, holdings, order states and stream entries of accepted orders would vanish without an error. ' +
        'Set maxmemory-policy noeviction: `CONFIG SET maxmemory-policy noeviction` then `CONFIG REWRITE`, ' +
        'or the line `maxmemory-policy noeviction` in redis.conf (on a managed service, its parameter group). ' +
        'A full Redis then refuses writes with an error instead of dropping data.'
      )
    case 'NoAofInProduction':
      return (
        `Redis at ${where} keeps no append-only file (appendonly no): ${loses}. ` +
        `Refused under NODE_ENV=production: ${aofHowTo}. ` +
        'To run without it anyway, accepting that loss, set REDIS_ALLOW_NO_AOF=yes.'
      )
    case 'NoAof':
      return about.allowed
        ? `WARNING: Redis at ${where} keeps no append-only file (appendonly no), allowed by REDIS_ALLOW_NO_AOF: ${loses}.`
        : `WARNING: Redis at ${where} keeps no append-only file (appendonly no): ${loses}. ` +
            `Fine for development; to keep them, ${aofHowTo}. ` +
            'Under NODE_ENV=production this Redis is refused unless REDIS_ALLOW_NO_AOF=yes.'
    case 'NoFsync':
      return (
        `WARNING: Redis at ${where} never fsyncs its append-only file (appendfsync no): ` +
        'the OS writes it out when it likes (about every 30 s on Linux), so a machine crash loses that much. ' +
        'Set appendfsync everysec (or always): `CONFIG SET appendfsync everysec` or redis.conf.'
      )
    case 'ConfigUnreadable':
      return (
        `WARNING: could not read the settings of Redis at ${where} (CONFIG GET answered: ${about.reason}; ` +
        'managed services often rename or forbid CONFIG), so they are not checked. ' +
        'Make sure it runs with maxmemory-policy noeviction and appendonly yes (appendfsync everysec or always), ' +
        'or orders it acknowledged can be lost.'
      )
    case 'Unreachable':
      return `Could not reach Redis at ${where} to check its durability settings: ${about.reason}`
  }
}

/**
 * A Redis the process refuses to run on; the message says what to set.
 *
 * @example
 * try { await requireDurableRedis(redis, options) } catch (e) { if (e instanceof RedisDurabilityError) ... }
 */
export class RedisDurabilityError extends Error {
  override name = 'RedisDurabilityError'
}

/** Warnings already printed by this process: one Redis, one warning, however many connections. */
const printed = new Set<string>()

/**
 * The one call each app makes at start, before it serves: checks the Redis
 * it was given (checkRedisDurability), prints each warning once per process,
 * and throws RedisDurabilityError with what to set when the Redis is refused.
 *
 * @example
 * const redis = connectRedis(env.REDIS_URL, { name: 'checkout' })
 * await requireDurableRedis(redis, { production: env.NODE_ENV === 'production', allowNoAof: env.REDIS_ALLOW_NO_AOF })
 */
export async function requireDurableRedis(
  redis: RedisClient,
  options: DurabilityOptions & { warn?: (line: string) => void },
): Promise<void> {
  const warn = options.warn ?? ((line: string) => console.warn(line))
  const here = where(redis)
  const result = await checkRedisDurability(redis, options)
  if (result.isErr()) throw new RedisDurabilityError(durabilityMessage(result.error, here))
  for (const warning of result.value) {
    const message = durabilityMessage(warning, here)
    if (printed.has(message)) continue
    printed.add(message)
    warn(message)
  }
}

/** host:port of the connection (of each master of a cluster), for messages (the URL may carry a password). */
function where(redis: RedisClient): string {
  if (isCluster(redis))
    return redis
      .nodes('master')
      .map((node) => `${node.options.host}:${node.options.port}`)
      .join(',')
  const { host, port, path } = redis.options
  return path ?? `${host}:${port}`
}
