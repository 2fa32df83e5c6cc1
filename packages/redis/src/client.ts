import Redis, { Cluster } from 'ioredis'
import { registerCommands } from './commands.ts'
import { keySlot } from './keys.ts'

/**
 * What every function that talks to Redis takes: one server (`Redis`) or a
 * Redis Cluster (`Cluster`), as `connectRedis` chose from the URL. Both speak
 * the same commands; what differs (a blocking reader's node, SCAN, INFO) is
 * handled where it matters, by asking `isCluster`.
 *
 * @example
 * async function stockOf(redis: RedisClient, key: string) { return Number(await redis.get(key)) }
 */
export type RedisClient = Redis | Cluster

export type RedisOptions = {
  /** Name shown by CLIENT LIST, to tell the apps apart when debugging. */
  name?: string
  /** Fail a command at once while disconnected instead of queueing it (health probes). */
  failFast?: boolean
  /** Where connection errors go (default stderr). */
  log?: (line: string) => void
}

/** The scheme that names a Redis Cluster by some of its nodes. */
const CLUSTER_SCHEME = 'redis+cluster://'

/**
 * Connects to Redis with our Lua commands registered and auto-pipelining on:
 * concurrent requests share round trips, which is most of the hot path's cost.
 * A `redis+cluster://[user:password@]host:port,host:port,...` URL gives a
 * Cluster client instead (any reachable node will do; the rest are
 * discovered), which reads from masters only: a buyer reading their order
 * right after the 202 must see the write a replica may not have yet.
 *
 * @example
 * const redis = connectRedis('redis://127.0.0.1:6379', { name: 'checkout' })
 * const cluster = connectRedis('redis+cluster://10.0.0.1:6379,10.0.0.2:6379', { name: 'checkout' })
 * await redis.ping()
 */
export function connectRedis(url: string, options: RedisOptions = {}): RedisClient {
  const common = {
    enableAutoPipelining: true,
    // reserve() batches its own calls per event-loop turn; a second turn of waiting
    // inside ioredis would only add latency and a pipeline's bookkeeping.
    autoPipeliningIgnoredCommands: ['reserveOrders'],
    enableOfflineQueue: !options.failFast,
    lazyConnect: false,
  }
  const perConnection = {
    connectionName: options.name,
    maxRetriesPerRequest: options.failFast ? 0 : 20,
  }
  const cluster = clusterUrl(url)
  const redis = cluster
    ? new Cluster(cluster.nodes, {
        ...common,
        // ioredis groups auto-pipelined commands by the slot of their first key, and takes
        // the first argument for it in a script of its own: for moveOrders that is the key
        // count, which would put orders of different partitions in one pipeline (refused).
        autoPipeliningIgnoredCommands: [...common.autoPipeliningIgnoredCommands, 'moveOrders'],
        scaleReads: 'master',
        redisOptions: { ...perConnection, username: cluster.username, password: cluster.password },
      })
    : new Redis(url, { ...common, ...perConnection })
  registerCommands(redis)
  logConnectionErrors(redis, options.name ?? 'redis', options.log ?? console.error)
  return redis
}

/**
 * Whether a client talks to a Redis Cluster (see `connectRedis`).
 *
 * @example
 * if (isCluster(redis)) for (const node of redis.nodes('master')) await node.ping()
 */
export function isCluster(redis: RedisClient): redis is Cluster {
  return redis instanceof Cluster
}

/**
 * The connections a command that acts on one server's whole keyspace (SCAN,
 * SCRIPT LOAD, CONFIG GET) must go to: every master of a cluster, or the one
 * server. Replicas are left out: they hold copies of their masters' keys.
 *
 * @example
 * for (const node of await mastersOf(redis)) await node.script('LOAD', lua)
 */
export async function mastersOf(redis: RedisClient): Promise<Redis[]> {
  if (!isCluster(redis)) return [redis]
  // Until the first slot map has arrived a cluster client knows no nodes at all.
  if (redis.status !== 'ready') await redis.ping()
  return redis.nodes('master')
}

/**
 * The plain connection to the master that holds `key` now: for commands that
 * must reach that one node (CLIENT ID and CLIENT UNBLOCK of a blocking
 * reader, INFO about the server a partition lives on). Ask again after a
 * failover or a slot move: the answer changes. On one server, the server.
 *
 * @example
 * const node = await nodeFor(redis, streamKey(space, 0, 'orders'))
 * await node.info('replication')
 */
export async function nodeFor(redis: RedisClient, key: string): Promise<Redis> {
  if (!isCluster(redis)) return redis
  if (redis.status !== 'ready') await redis.ping()
  const find = () => {
    const owner = redis.slots[keySlot(key)]?.[0]
    return redis.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner)
  }
  let node = find()
  // A node that is gone, or a connection to it that was closed: the slot map may be old (a
  // failover, a slot moved). An idle client learns of it only when asked, so ask.
  if (!node || node.status === 'end' || node.status === 'close') {
    await new Promise<void>((resolve) => redis.refreshSlotsCache(() => resolve()))
    node = find()
  }
  if (!node) throw new Error(`no master owns the slot of ${key} (the cluster is changing)`)
  return node
}

/**
 * Every key matching a SCAN pattern, in batches, from every master of a
 * cluster (SCAN on a cluster client would ask one random node). Each batch
 * comes with the connection it was found on, so deleting or reading it goes
 * to the node that holds it.
 *
 * @example
 * for await (const { node, keys } of scanKeys(redis, 'fs:*')) await node.unlink(...keys)
 */
export async function* scanKeys(
  redis: RedisClient,
  pattern: string,
): AsyncGenerator<{ node: Redis; keys: string[] }> {
  for (const node of await mastersOf(redis))
    for await (const keys of node.scanStream({ match: pattern, count: 1000 }) as AsyncIterable<
      string[]
    >)
      if (keys.length > 0) yield { node, keys }
}

/**
 * Deletes keys one UNLINK each, in one pipeline: on a cluster a multi-key
 * UNLINK of keys in different slots is refused (CROSSSLOT), even on one node.
 *
 * @example
 * for await (const { node, keys } of scanKeys(redis, `${prefix}*`)) await unlinkEach(node, keys)
 */
export async function unlinkEach(redis: RedisClient, keys: string[]): Promise<void> {
  if (keys.length === 0) return
  await redis.pipeline(keys.map((key) => ['unlink', key])).exec()
}

/**
 * A second connection like `redis` (its own socket, for blocking reads or
 * WATCH), to the same server or cluster.
 *
 * @example
 * const reader = duplicateClient(redis)
 */
export function duplicateClient(redis: RedisClient): RedisClient {
  // The same call either way; TypeScript cannot call a union of their generic signatures.
  return isCluster(redis) ? redis.duplicate() : redis.duplicate()
}

/**
 * The nodes and credentials of a `redis+cluster://` URL; null for any other URL.
 *
 * @example
 * clusterUrl('redis+cluster://:pw@10.0.0.1:7000,10.0.0.2:7001')
 * // { nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }], username: undefined, password: 'pw' }
 */
export function clusterUrl(url: string): {
  nodes: { host: string; port: number }[]
  username: string | undefined
  password: string | undefined
} | null {
  if (!url.startsWith(CLUSTER_SCHEME)) return null
  const rest = url.slice(CLUSTER_SCHEME.length).replace(/\/.*$/, '')
  const at = rest.lastIndexOf('@')
  const [user, password] = at < 0 ? [] : rest.slice(0, at).split(':')
  const nodes = rest
    .slice(at + 1)
    .split(',')
    .filter(Boolean)
    .map((address) => {
      const match = address.match(/^\[?([^\]]+?)\]?:(\d+)$/)
      if (!match) throw new Error(`${CLUSTER_SCHEME} expects host:port,host:port; got "${address}"`)
      return { host: match[1] as string, port: Number(match[2]) }
    })
  if (nodes.length === 0) throw new Error(`${CLUSTER_SCHEME} names no node`)
  const decoded = (text: string | undefined) => (text ? decodeURIComponent(text) : undefined)
  return { nodes, username: decoded(user), password: decoded(password) }
}

/**
 * Without an `error` listener ioredis prints a stack trace for every failed
 * reconnect (several a second while Redis is down). One line per kind of
 * error instead, and one when the connection is back: ioredis keeps
 * reconnecting and queues commands meanwhile either way.
 */
function logConnectionErrors(redis: RedisClient, name: string, log: (line: string) => void): void {
  let last: string | undefined
  redis.on('error', (error: Error) => {
    const text = error.message
    if (text === last) return
    last = text
    log(
      `[redis:${name}] ${text}; retrying (the same error is not logged again until it reconnects)`,
    )
  })
  redis.on('ready', () => {
    if (last !== undefined) log(`[redis:${name}] connected again`)
    last = undefined
  })
}
