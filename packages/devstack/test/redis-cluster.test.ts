import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from '@flash/testing'
import {
  askNode,
  ensureRedis,
  freePort,
  MissingServiceError,
  startRedisCluster,
} from '../src/index.ts'

/** Starting a cluster takes a few seconds; a failover a few more. */
const slow = { timeout: 60_000 }
const scratch = mkdtempSync(join(tmpdir(), 'devstack-cluster-'))

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true })
})

const clusterInfo = async (port: number) => String(await askNode(port, 'CLUSTER', ['INFO']))

/** The slot ranges each node serves as a master, by port. */
async function slotsByPort(port: number): Promise<Map<number, string>> {
  const slots = (await askNode(port, 'CLUSTER', ['SLOTS'])) as [number, number, [string, number]][]
  return new Map(
    slots.map(([first, last, [, owner]]): [number, string] => [owner, `${first}-${last}`]),
  )
}

describe('startRedisCluster', () => {
  test(
    'starts three masters that split the slots evenly and all say cluster_state:ok',
    async () => {
      await using cluster = await startRedisCluster({ masters: 3, dir: scratch })
      const ports = cluster.nodes.map((node) => node.port)
      expect(cluster.url).toBe(`redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`)
      for (const port of ports) {
        expect(await clusterInfo(port)).toContain('cluster_state:ok')
        // The bus port is the client port + 10000, so it must have been free too.
        expect(port + 10000).toBeLessThanOrEqual(65535)
      }
      const [first, second, third] = ports as [number, number, number]
      const expected = new Map([
        [first, '0-5460'],
        [second, '5461-10921'],
        [third, '10922-16383'],
      ])
      for (const port of ports) expect(await slotsByPort(port)).toEqual(expected)
    },
    slow,
  )

  test(
    'ensureRedis uses a cluster of REDIS_URL that answers, and never starts one',
    async () => {
      await using cluster = await startRedisCluster({ masters: 3, dir: scratch })
      const found = await ensureRedis(cluster.url, { dataDir: scratch })
      expect({ url: found.url, started: found.started }).toEqual({
        url: cluster.url,
        started: false,
      })
      const nobody = `redis+cluster://127.0.0.1:${await freePort()}`
      const error = await ensureRedis(nobody, { dataDir: scratch }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(MissingServiceError)
      expect(String(error)).toContain('a cluster is never started for you')
    },
    slow,
  )

  test(
    'makes a fresh folder (and nodes.conf) for every cluster and removes it on stop',
    async () => {
      const dir = join(scratch, 'shared')
      const first = await startRedisCluster({ masters: 3, dir })
      const second = await startRedisCluster({ masters: 3, dir })
      try {
        expect(readdirSync(dir)).toHaveLength(2)
        // Two clusters, not one: each node knows only the three of its own.
        expect(await clusterInfo(second.nodes[0]?.port as number)).toContain(
          'cluster_known_nodes:3',
        )
      } finally {
        await first.stop()
        await second.stop()
      }
      expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([])
    },
    slow,
  )

  test(
    'a killed master takes its slots down; restarted, it serves them again with its data',
    async () => {
      await using cluster = await startRedisCluster({
        masters: 3,
        dir: scratch,
        appendfsync: 'always',
      })
      const [victim, witness] = cluster.nodes as [
        (typeof cluster.nodes)[0],
        (typeof cluster.nodes)[0],
      ]
      // 'a' hashes to slot 15495, 'b' to 3300: node 0 owns 0-5460.
      expect(await askNode(victim.port, 'SET', ['b', 'kept'])).toBe('OK')
      const pid = victim.pid
      await victim.kill()
      await waitFor(async () => (await clusterInfo(witness.port)).includes('cluster_state:fail'), {
        what: 'the others to see the cluster fail',
      })
      await victim.restart()
      expect(victim.pid).not.toBe(pid)
      await cluster.waitUntilHealthy()
      expect(await askNode(victim.port, 'GET', ['b'])).toBe('kept')
      expect(await clusterInfo(witness.port)).toContain('cluster_state:ok')
    },
    slow,
  )

  test(
    'with a replica per master, a killed master is replaced by its replica',
    async () => {
      await using cluster = await startRedisCluster({
        masters: 3,
        replicasPerMaster: 1,
        dir: scratch,
      })
      expect(cluster.nodes.map((node) => node.startedAs)).toEqual([
        'master',
        'master',
        'master',
        'replica',
        'replica',
        'replica',
      ])
      const [master, , , replica] = cluster.nodes
      if (!master || !replica) throw new Error('six nodes expected')
      await master.kill()
      await waitFor(async () => (await slotsByPort(replica.port)).get(replica.port) === '0-5460', {
        what: "the replica to take over its master's slots",
        timeoutMs: 30_000,
      })
      await cluster.waitUntilHealthy()
    },
    slow,
  )
})
