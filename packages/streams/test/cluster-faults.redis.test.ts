import { afterAll, describe, expect, it } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RedisCluster, startRedisCluster } from '@flash/devstack'
import { connectRedis, mastersOf, nodeFor, type RedisClient } from '@flash/redis'
import { type TestRedis, waitFor } from '@flash/testing'
import { addNumbers, pendingCount, range, recorder, sorted, startTestConsumer } from './support.ts'

// Clusters of the test's own, with every write fsynced: a killed master comes back with all it acknowledged.
const scratch = mkdtempSync(join(tmpdir(), 'streams-cluster-faults-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const slow = { timeout: 90_000 }

/** What startTestConsumer needs of a TestRedis, on the test's own cluster. */
function onCluster(cluster: RedisCluster): TestRedis & { redis: RedisClient } {
  const redis = connectRedis(cluster.url, { name: 'cluster-faults', log: () => {} })
  const prefix = `t${crypto.randomUUID().slice(0, 8)}:`
  return {
    url: cluster.url,
    redis,
    prefix,
    space: { prefix, partitions: 1 },
    [Symbol.asyncDispose]: async () => redis.disconnect(),
  }
}

/** The node of the private cluster that holds `key` now. */
async function ownerOf(cluster: RedisCluster, redis: RedisClient, key: string) {
  const port = (await nodeFor(redis, key)).options.port
  const node = cluster.nodes.find((candidate) => candidate.port === port)
  if (!node) throw new Error(`no node of the cluster listens on ${port}`)
  return node
}

/** The cluster client's own connection to the master on `port`. */
async function nodeAt(redis: RedisClient, port: number) {
  const node = (await mastersOf(redis)).find((candidate) => candidate.options.port === port)
  if (!node) throw new Error(`no master on ${port}`)
  return node
}

/**
 * Whether the consumer's CLIENT UNBLOCK reaches the node it blocks on: with a
 * block of five minutes, stop() only resolves within the test's bound if it does.
 */
const LONG_BLOCK_MS = 300_000

describe('a stream consumer on a Redis Cluster', () => {
  it(
    'keeps reading after the master holding its stream is killed and restarted',
    async () => {
      await using cluster = await startRedisCluster({
        masters: 3,
        dir: scratch,
        appendfsync: 'always',
      })
      await using r = onCluster(cluster)
      const stream = `${r.prefix}{orders}:stream`
      const keys = { stream, deadLetterStream: `${r.prefix}{orders}:dead` }
      await addNumbers(r.redis, stream, range(1, 3))
      const handler = recorder()
      const consumer = startTestConsumer(r, {
        ...keys,
        handle: handler.handle,
        blockMs: 200,
        maxRetryDelayMs: 200,
      })
      await waitFor(() => handler.handled.length === 3 || undefined, { what: 'the first three' })

      const owner = await ownerOf(cluster, r.redis, stream)
      await owner.kill()
      await owner.restart()
      await cluster.waitUntilHealthy()
      await addNumbers(r.redis, stream, range(4, 6))

      await waitFor(() => sorted(handler.handled).length === 6 || undefined, {
        what: 'the three written after the restart',
        timeoutMs: 30_000,
      })
      await waitFor(async () => (await pendingCount(r.redis, stream, 'g')) === 0, {
        what: 'nothing pending',
      })
      expect(sorted(handler.handled)).toEqual(range(1, 6))
      await consumer.stop()
    },
    slow,
  )

  it(
    'sends CLIENT UNBLOCK to the node its reader blocks on, and to no other',
    async () => {
      await using cluster = await startRedisCluster({ masters: 3, dir: scratch })
      await using r = onCluster(cluster)
      const stream = `${r.prefix}{shipping}:stream`
      const keys = { stream, deadLetterStream: `${r.prefix}{shipping}:dead` }
      const owner = await ownerOf(cluster, r.redis, stream)
      const unblocksOn = async (port: number) => {
        const stats = String(await (await nodeAt(r.redis, port)).info('commandstats'))
        return Number(/cmdstat_client\|unblock:calls=(\d+)/.exec(stats)?.[1] ?? 0)
      }
      // A stray UNBLOCK lands on another node two times in three: five stops would show one.
      for (let round = 0; round < 5; round++) {
        const consumer = startTestConsumer(r, {
          ...keys,
          handle: recorder().handle,
          blockMs: LONG_BLOCK_MS,
        })
        await waitFor(
          async () =>
            /flags=b .*cmd=xreadgroup/.test(
              String(await (await nodeAt(r.redis, owner.port)).client('LIST')),
            ) || undefined,
          // flags=b: blocked now (the last round's reader may still be listed, closing).
          { what: 'the consumer blocked on the stream’s master' },
        )
        await consumer.stop()
      }
      const others = cluster.nodes.filter((node) => node !== owner)
      expect({
        owner: (await unblocksOn(owner.port)) >= 5,
        others: await Promise.all(others.map((node) => unblocksOn(node.port))),
      }).toEqual({ owner: true, others: [0, 0] })
    },
    slow,
  )

  it(
    'follows its stream to the replica that took over a killed master, and unblocks there',
    async () => {
      await using cluster = await startRedisCluster({
        masters: 3,
        replicasPerMaster: 1,
        dir: scratch,
        appendfsync: 'always',
      })
      await using r = onCluster(cluster)
      const stream = `${r.prefix}{payments}:stream`
      const keys = { stream, deadLetterStream: `${r.prefix}{payments}:dead` }
      await addNumbers(r.redis, stream, [1])
      const handler = recorder()
      const consumer = startTestConsumer(r, {
        ...keys,
        handle: handler.handle,
        blockMs: LONG_BLOCK_MS,
        maxRetryDelayMs: 200,
      })
      await waitFor(() => handler.handled.length === 1 || undefined, { what: 'the first entry' })
      // WAIT: the replica has the entry and its acknowledgement before its master dies.
      await (await nodeFor(r.redis, stream)).wait(1, 5_000)

      const owner = await ownerOf(cluster, r.redis, stream)
      await owner.kill()
      await waitFor(async () => (await ownerOf(cluster, r.redis, stream)) !== owner, {
        what: 'a replica to take over the stream',
        timeoutMs: 30_000,
      })
      await addNumbers(r.redis, stream, [2, 3])
      await waitFor(() => sorted(handler.handled).length === 3 || undefined, {
        what: 'the entries written to the new master',
        timeoutMs: 30_000,
      })
      expect(sorted(handler.handled)).toEqual([1, 2, 3])

      // Blocked on the new master for minutes: only an UNBLOCK sent there ends it in time.
      await waitFor(
        async () => {
          const node = await nodeFor(r.redis, stream)
          const clients = String(await node.client('LIST'))
          return /flags=b .*cmd=xreadgroup/.test(clients) || undefined
        },
        { what: 'the consumer blocked on the new master' },
      )
      await consumer.stop()
    },
    slow,
  )
})
