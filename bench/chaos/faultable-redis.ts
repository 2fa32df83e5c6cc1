import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RedisClusterNode, startRedisCluster } from '@flash/devstack'
import { RedisClient } from 'bun'
import { type PrivateRedis, startPrivateRedis } from './servers.ts'

/**
 * The campaign's private Redis as the faults see it: one server, or a
 * cluster whose Redis faults strike one master (`node`, 0-based; one server
 * ignores it). `kill9` is a crash, `wipe` deletes the data of a killed node
 * (a cluster node keeps its nodes.conf: it comes back owning its slots, with
 * no keys), `start` brings it back (a cluster: until every node says
 * cluster_state:ok again), `pause`/`resume` are SIGSTOP/SIGCONT.
 *
 * @example
 * const redis = await startFaultableRedis('cluster', logDir)
 * await redis.kill9(1)
 * await redis.start(1) // reloads its append-only file
 * await redis.stop()
 */
export type FaultableRedis = {
  kind: 'single' | 'cluster'
  url: string
  /** How many servers a Redis fault may strike: 1, or the masters. */
  nodes: number
  kill9: (node: number) => Promise<void>
  wipe: (node: number) => void
  start: (node: number) => Promise<void>
  pause: (node: number) => void
  resume: (node: number) => void
  /** Starts again whatever a fault left stopped (a restart that failed). */
  restartStopped: () => Promise<void>
  stop: () => Promise<void>
}

/** Masters of the campaign's cluster: REDIS_PARTITIONS is the same, one partition each. */
export const clusterMasters = 3

/**
 * @example
 * const redis = await startFaultableRedis('single', logDir)
 */
export async function startFaultableRedis(
  kind: 'single' | 'cluster',
  logDir: string,
): Promise<FaultableRedis> {
  return kind === 'single' ? oneServer(await startPrivateRedis(logDir)) : await privateCluster()
}

function oneServer(redis: PrivateRedis): FaultableRedis {
  return {
    kind: 'single',
    url: redis.url,
    nodes: 1,
    kill9: () => redis.process.kill9(),
    wipe: () => redis.wipe(),
    start: () => redis.process.start(),
    pause: () => redis.pause(),
    resume: () => redis.resume(),
    restartStopped: async () => {
      if (!redis.process.running()) await redis.process.start()
    },
    stop: () => redis.stop(),
  }
}

/**
 * Three masters and no replicas (the failover path is stampede-cluster-kill's
 * and the stream tests'): with one master down every partition answers
 * CLUSTERDOWN until it is back, the worst case for the apps' recovery.
 */
async function privateCluster(): Promise<FaultableRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'chaos-cluster-'))
  const cluster = await startRedisCluster({ masters: clusterMasters, dir }).catch((error) => {
    rmSync(dir, { recursive: true, force: true })
    throw error
  })
  const masters = cluster.nodes.filter((node) => node.startedAs === 'master')
  const dirs = await Promise.all(masters.map(dataDirOf))
  const down = new Set<number>()
  const paused = new Set<number>()
  const master = (node: number) => {
    const found = masters[node]
    if (!found) throw new Error(`no master ${node} (the cluster has ${masters.length})`)
    return found
  }
  const signal = (node: number, name: 'SIGSTOP' | 'SIGCONT') => {
    process.kill(master(node).pid, name)
    if (name === 'SIGSTOP') paused.add(node)
    else paused.delete(node)
  }
  const start = async (node: number) => {
    await master(node).restart()
    down.delete(node)
    await cluster.waitUntilHealthy(30_000)
  }
  return {
    kind: 'cluster',
    url: cluster.url,
    nodes: masters.length,
    kill9: async (node) => {
      await master(node).kill()
      down.add(node)
    },
    wipe(node) {
      if (!down.has(node)) throw new Error(`refusing to delete the files of running master ${node}`)
      // Its append-only file only: nodes.conf is its identity and its slots.
      rmSync(join(dirs[node] as string, 'appendonlydir'), { recursive: true, force: true })
      rmSync(join(dirs[node] as string, 'dump.rdb'), { force: true })
    },
    start,
    pause: (node) => signal(node, 'SIGSTOP'),
    resume: (node) => signal(node, 'SIGCONT'),
    restartStopped: async () => {
      for (const node of [...down]) await start(node)
    },
    async stop() {
      // A paused node would never answer SIGTERM's drain.
      for (const node of [...paused]) signal(node, 'SIGCONT')
      await cluster.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Where a node keeps its files, as it says (startRedisCluster makes one folder per node). */
async function dataDirOf(node: RedisClusterNode): Promise<string> {
  const client = new RedisClient(`redis://${node.host}:${node.port}`, { autoReconnect: false })
  try {
    await client.connect()
    const answer = (await client.send('CONFIG', ['GET', 'dir'])) as string[] | { dir: string }
    const dir = Array.isArray(answer) ? answer[1] : answer.dir
    if (!dir) throw new Error(`node ${node.port} did not say its folder`)
    return dir
  } finally {
    client.close()
  }
}
