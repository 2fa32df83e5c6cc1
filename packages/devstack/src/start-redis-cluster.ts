import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { RedisClient } from 'bun'
import type { Child } from './child.ts'
import { freePort } from './free-port.ts'
import { probeRedis } from './probe.ts'
import { type Appendfsync, durableRedisArgs } from './redis-settings.ts'
import { defaultWhich, MissingServiceError, type Which } from './service.ts'
import { startOnFreePort } from './start-on-free-port.ts'
import { waitUntil } from './wait.ts'

/** Redis Cluster's slot count, fixed by the protocol. */
const SLOTS = 16384
/** A node's cluster bus listens here, above its client port. */
const BUS_OFFSET = 10000

/**
 * How many nodes a private cluster has, and where they keep their data.
 *
 * @example
 * const options: RedisClusterOptions = { masters: 3, dir: '/tmp/cluster' }
 */
export type RedisClusterOptions = {
  masters: number
  /** One replica per master lets a test see a failover; none by default. */
  replicasPerMaster?: 0 | 1
  /** A fresh folder is made inside it for every cluster, so no node reads an old nodes.conf. */
  dir: string
  appendfsync?: Appendfsync
  /**
   * How long a node may be silent before the others call it failed (default
   * 2 s, instead of Redis's 15 s): the fault tests wait for failovers.
   */
  nodeTimeoutMs?: number
  which?: Which
}

/**
 * One node of a private cluster. `kill` is a crash (SIGKILL); `restart`
 * starts it again on the same port and folder, so it comes back with its
 * nodes.conf (its identity and slots) and its append-only file.
 */
export type RedisClusterNode = {
  host: string
  port: number
  /** The current process; a restart changes it. */
  readonly pid: number
  /** Whether it was started as a master (a failover may have changed roles since). */
  startedAs: 'master' | 'replica'
  kill: () => Promise<void>
  restart: () => Promise<void>
}

/**
 * A private Redis Cluster: its nodes, the `redis+cluster://` URL that
 * connectRedis (@flash/redis) takes, and how to wait for it and stop it.
 *
 * @example
 * await using cluster = await startRedisCluster({ masters: 3, dir })
 * await cluster.nodes[0]?.kill()
 */
export type RedisCluster = {
  nodes: RedisClusterNode[]
  /** redis+cluster://127.0.0.1:p1,127.0.0.1:p2,... (every node). */
  url: string
  /** Polls until every live node says cluster_state:ok and they all agree on the slot map. */
  waitUntilHealthy: (timeoutMs?: number) => Promise<void>
  /** Stops every node and deletes the cluster's folder. */
  stop: () => Promise<void>
  [Symbol.asyncDispose]: () => Promise<void>
}

/**
 * Starts a local Redis Cluster of `masters` masters (and optionally a replica
 * each) with the project's durable settings: every node on a random free
 * 127.0.0.1 port whose bus port (port + 10000) is free too, in a fresh
 * folder, slots split evenly (master i owns [i*16384/M, (i+1)*16384/M)),
 * then resolves once every node reports `cluster_state:ok` and they agree
 * on who owns which slots.
 *
 * @example
 * await using cluster = await startRedisCluster({ masters: 3, dir: tmpdir() })
 * const redis = connectRedis(cluster.url)
 */
export async function startRedisCluster(options: RedisClusterOptions): Promise<RedisCluster> {
  const which = options.which ?? defaultWhich
  const binary = which('redis-server')
  if (!binary)
    throw new MissingServiceError(
      'redis-server is not installed. Install it (e.g. `apt-get install redis-server`).',
    )
  const replicas = options.replicasPerMaster ?? 0
  mkdirSync(resolve(options.dir), { recursive: true })
  const root = mkdtempSync(join(resolve(options.dir), 'redis-cluster-'))
  const count = options.masters * (1 + replicas)
  const nodes: RunningNode[] = []
  try {
    for (let i = 0; i < count; i++)
      nodes.push(
        await startNode({
          binary,
          which,
          dir: join(root, `node-${i}`),
          appendfsync: options.appendfsync,
          nodeTimeoutMs: options.nodeTimeoutMs ?? 2_000,
          startedAs: i < options.masters ? 'master' : 'replica',
        }),
      )
    await formCluster(nodes, options.masters)
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop()))
    rmSync(root, { recursive: true, force: true })
    throw error
  }
  const waitUntilHealthy = (timeoutMs = 30_000) => waitForAgreement(nodes, count, timeoutMs)
  await waitUntilHealthy()
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()))
    rmSync(root, { recursive: true, force: true })
  }
  return {
    nodes: nodes.map((node) => node.handle),
    url: `redis+cluster://${nodes.map((node) => `127.0.0.1:${node.port}`).join(',')}`,
    waitUntilHealthy,
    stop,
    [Symbol.asyncDispose]: stop,
  }
}

type RunningNode = {
  port: number
  handle: RedisClusterNode
  isAlive: () => boolean
  stop: () => Promise<void>
}

type NodeSpec = {
  binary: string
  which: Which
  dir: string
  appendfsync: Appendfsync | undefined
  nodeTimeoutMs: number
  startedAs: 'master' | 'replica'
}

async function startNode(spec: NodeSpec): Promise<RunningNode> {
  mkdirSync(spec.dir, { recursive: true })
  const launch = (pickPort: () => Promise<number>) =>
    startOnFreePort({
      name: 'redis-server (cluster node)',
      logFile: join(spec.dir, 'redis-server.log'),
      which: spec.which,
      timeoutMs: 60_000,
      graceMs: 10_000,
      pickPort,
      command: (port) => [
        spec.binary,
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        spec.dir,
        ...durableRedisArgs(spec.appendfsync),
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        String(spec.nodeTimeoutMs),
      ],
      ready: async (port) => (await probeRedis(`redis://127.0.0.1:${port}`, 500)).ok,
    })
  const { child, port } = await launch(freeClusterPort)
  let current: Child = child
  const handle: RedisClusterNode = {
    host: '127.0.0.1',
    port,
    get pid() {
      return current.pid
    },
    startedAs: spec.startedAs,
    kill: async () => {
      if (!current.exitReason()) process.kill(current.pid, 'SIGKILL')
      await current.stop(0)
    },
    restart: async () => {
      await handle.kill()
      current = (await launch(async () => port)).child
    },
  }
  return {
    port,
    handle,
    isAlive: () => !current.exitReason(),
    stop: () => current.stop(10_000),
  }
}

/**
 * A free port whose cluster bus port is free too. Both can still be taken
 * before the node binds them; startOnFreePort retries on "Address already in use".
 */
async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort()
    if (port + BUS_OFFSET <= 65535 && canListen(port + BUS_OFFSET)) return port
  }
}

function canListen(port: number): boolean {
  try {
    Bun.listen({ hostname: '127.0.0.1', port, socket: { data() {} } }).stop(true)
    return true
  } catch {
    return false
  }
}

/**
 * Gives each master its share of the slots and a config epoch of its own
 * (as `redis-cli --cluster create` does, so no epoch collision needs
 * resolving), introduces every node to the first, and makes each extra
 * node a replica of master `i % masters` once it knows that master.
 */
async function formCluster(nodes: RunningNode[], masters: number): Promise<void> {
  const ids = await Promise.all(nodes.map((node) => askNode(node.port, 'CLUSTER', ['MYID'])))
  await Promise.all(
    nodes.map(async (node, i) => {
      await askNode(node.port, 'CLUSTER', ['SET-CONFIG-EPOCH', String(i + 1)])
      if (i >= masters) return
      const first = Math.floor((i * SLOTS) / masters)
      const last = Math.floor(((i + 1) * SLOTS) / masters) - 1
      await askNode(node.port, 'CLUSTER', ['ADDSLOTSRANGE', String(first), String(last)])
    }),
  )
  const [seed, ...others] = nodes
  if (!seed) return
  for (const node of others)
    await askNode(seed.port, 'CLUSTER', ['MEET', '127.0.0.1', String(node.port)])
  await waitUntil(async () => (await Promise.all(nodes.map(knowsEveryNode))).every(Boolean), {
    what: 'cluster nodes meeting each other',
    timeoutMs: 30_000,
  })
  for (const [i, node] of nodes.entries()) {
    if (i < masters) continue
    await askNode(node.port, 'CLUSTER', ['REPLICATE', String(ids[i % masters])])
  }

  async function knowsEveryNode(node: RunningNode): Promise<boolean> {
    const text = String(await askNode(node.port, 'CLUSTER', ['NODES']))
    const lines = text.trim().split('\n')
    return lines.length === nodes.length && !lines.some((line) => /handshake|noaddr/.test(line))
  }
}

/** Every live node says cluster_state:ok (replicas: synced), knows `count` nodes, and they see one slot map. */
async function waitForAgreement(
  nodes: RunningNode[],
  count: number,
  timeoutMs: number,
): Promise<void> {
  await waitUntil(
    async () => {
      try {
        const views = await Promise.all(
          nodes.filter((node) => node.isAlive()).map((node) => viewOf(node.port)),
        )
        return (
          views.length > 0 &&
          views.every((view) => view.ok && view.known === count && view.map === views[0]?.map)
        )
      } catch {
        return false
      }
    },
    { what: 'cluster_state:ok on every node, one slot map', timeoutMs },
  )
}

/**
 * What one node thinks: whether the cluster is ok (and, for a replica, whether
 * it has synced with its master: one that never did refuses to fail over), how
 * many nodes it knows, who owns which slots.
 */
async function viewOf(port: number): Promise<{ ok: boolean; known: number; map: string }> {
  const info = String(await askNode(port, 'CLUSTER', ['INFO']))
  const replication = String(await askNode(port, 'INFO', ['replication']))
  const synced = /role:master/.test(replication) || /master_link_status:up/.test(replication)
  const slots = (await askNode(port, 'CLUSTER', ['SLOTS'])) as [number, number, ...unknown[][]][]
  const map = slots
    .map(([first, last, ...owners]) => `${first}-${last}:${owners.map((o) => o[1]).join('/')}`)
    .sort()
    .join(' ')
  return {
    ok: /cluster_state:ok/.test(info) && synced,
    known: Number(info.match(/cluster_known_nodes:(\d+)/)?.[1]),
    map,
  }
}

/**
 * One command to one node of a local cluster, on its own short-lived
 * connection (a dead node must not stall a poll), bypassing any cluster
 * client's routing: for admin commands and for tests that look at one node.
 *
 * @example
 * await askNode(cluster.nodes[0].port, 'CLUSTER', ['INFO'])
 */
export async function askNode(port: number, name: string, args: string[]): Promise<unknown> {
  const client = new RedisClient(`redis://127.0.0.1:${port}`, {
    connectionTimeout: 1_000,
    autoReconnect: false,
    enableOfflineQueue: false,
  })
  try {
    await client.connect()
    return await client.send(name, args)
  } finally {
    client.close()
  }
}
