import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { askNode, type RedisCluster, startRedisCluster } from '@flash/devstack'
import { readBacklogs } from '@flash/streams'
import type { Cluster } from 'ioredis'
import {
  adjustLiveStock,
  checkSoldOut,
  clusterUrl,
  connectRedis,
  findOrderStates,
  isCluster,
  isRevoked,
  keySlot,
  keySpace,
  loadScripts,
  markFreshKeySpace,
  moveOrderStates,
  offerKeys,
  partitionTag,
  type RedisClient,
  readGenerations,
  reserve,
  revokeToken,
  revokeUserTokens,
  scanKeys,
  streamKey,
  unlinkEach,
} from '../src/index.ts'
import { liveSale } from './live-sale.ts'

// A cluster of the test's own (the shared Redis is a single server).
const scratch = mkdtempSync(join(tmpdir(), 'redis-cluster-test-'))
let cluster: RedisCluster
let redis: RedisClient

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, dir: scratch })
  redis = connectRedis(cluster.url, { name: 'cluster-test' })
}, 60_000)

afterAll(async () => {
  redis?.disconnect()
  await cluster?.stop()
  rmSync(scratch, { recursive: true, force: true })
})

describe('connectRedis with a redis+cluster:// URL', () => {
  it('gives a Cluster client that reads from masters; a plain URL keeps a single-server client', () => {
    expect(isCluster(redis)).toBe(true)
    expect((redis as Cluster).options.scaleReads).toBe('master')
    const single = connectRedis('redis://127.0.0.1:6379', { name: 'cluster-test-single' })
    expect(isCluster(single)).toBe(false)
    single.disconnect()
  })

  it('reads the nodes and credentials of the URL', () => {
    expect(clusterUrl('redis+cluster://u:p%40ss@10.0.0.1:7000,[::1]:7001')).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '::1', port: 7001 },
      ],
      username: 'u',
      password: 'p@ss',
    })
    expect(clusterUrl('redis://127.0.0.1:6379')).toBeNull()
    expect(() => clusterUrl('redis+cluster://10.0.0.1')).toThrow('host:port')
  })

  it('computes the same slot as CLUSTER KEYSLOT', async () => {
    const port = cluster.nodes[0]?.port as number
    const keys = [
      'a',
      '123456789',
      'fs:{p0}:stream:orders',
      'fs:{p1.4}:order:x',
      '{}x',
      'a{b}{c}',
      'ünïcødé{ключ}',
      ...Array.from({ length: 50 }, () => crypto.randomUUID()),
    ]
    for (const key of keys)
      expect(keySlot(key)).toBe(Number(await askNode(port, 'CLUSTER', ['KEYSLOT', key])))
  })

  it('with 3 partitions on 3 masters, puts each partition on a master of its own', async () => {
    const space = keySpace('fs:', 3)
    const slots = (await askNode(cluster.nodes[0]?.port as number, 'CLUSTER', ['SLOTS'])) as [
      number,
      number,
      [string, number],
    ][]
    const ownerOf = (slot: number) =>
      slots.find(([first, last]) => slot >= first && slot <= last)?.[2][1]
    const owners = [0, 1, 2].map((p) => ownerOf(keySlot(partitionTag(space, p))))
    expect(new Set(owners).size).toBe(3)
    expect(owners.sort()).toEqual(cluster.nodes.map((node) => node.port).sort())
  })

  it('runs a script after every master lost its script cache (SCRIPT FLUSH)', async () => {
    const space = keySpace(`t${crypto.randomUUID().slice(0, 8)}:`, 3)
    const stocks = [0, 1, 2].map((n) => offerKeys(space, { kind: 'sale', id: `s${n}` }).stock)
    for (const stock of stocks) await redis.set(stock, '10')
    await loadScripts(redis)
    for (const node of cluster.nodes) await askNode(node.port, 'SCRIPT', ['FLUSH'])
    const direct = await Promise.all(stocks.map((stock) => adjustLiveStock(redis, stock, -1)))
    expect(direct).toEqual(stocks.map(() => ({ type: 'Adjusted', remaining: 9 })))
    // And inside a pipeline, which sends EVALSHA for all its scripts at once.
    for (const node of cluster.nodes) await askNode(node.port, 'SCRIPT', ['FLUSH'])
    const replies = await redis
      .pipeline()
      .adjustStock(stocks[0] as string, -1)
      .exec()
    expect(replies).toEqual([[null, [1, 8]]])
    await redis.del(stocks[0] as string)
    for (const stock of stocks.slice(1)) await redis.del(stock)
  })

  it('loads the scripts on every master', async () => {
    for (const node of cluster.nodes) await askNode(node.port, 'SCRIPT', ['FLUSH'])
    await loadScripts(redis)
    for (const node of cluster.nodes) {
      const info = String(await askNode(node.port, 'INFO', ['memory']))
      // Ten scripts in commands.ts, on each master, nothing else cached since the flush.
      expect(Number(info.match(/number_of_cached_scripts:(\d+)/)?.[1])).toBe(10)
    }
  })
})

describe('with 3 partitions on 3 masters, no command or pipeline crosses slots', () => {
  const space = keySpace(`t${crypto.randomUUID().slice(0, 8)}:`, 3)

  /** A live sale whose id falls in `partition`. */
  const saleIn = (partition: number) => liveSale({ redis, space }, { stock: 5, partition })

  afterAll(async () => {
    for await (const { node, keys } of scanKeys(redis, `${space.prefix}*`))
      await unlinkEach(node, keys)
  })

  it('reserves, finds, moves, checks, revokes and reads backlogs across every partition', async () => {
    await markFreshKeySpace(redis, space)
    expect((await readGenerations(redis, space)).map((g) => g.state)).toEqual([
      'current',
      'current',
      'current',
    ])
    const offers = await Promise.all([0, 1, 2].map(saleIn))
    // One event-loop turn: the reserve batches of three partitions go out side by side.
    const placed = await Promise.all(
      offers.map((offer, n) =>
        reserve(redis, space, {
          offer,
          orderId: Bun.randomUUIDv7(),
          userId: `buyer-${n}`,
          quantity: 1,
          fingerprint: 'q1',
          idempotencyKey: `k${n}`,
          idempotencyTtlSeconds: 60,
          orderTtlSeconds: 60,
          token: { tokenId: `jti-${n}`, issuedAt: Math.floor(Date.now() / 1000) },
        }),
      ),
    )
    const ids = placed.map((result) => (result.isOk() && result.value.orderId) || 'not placed')
    expect(placed.map((result) => result.isOk() && result.value.type)).toEqual([
      'Placed',
      'Placed',
      'Placed',
    ])

    const states = await findOrderStates(redis, space, ids)
    expect(ids.map((id) => states.get(id)?.partition)).toEqual([0, 1, 2])

    const moved = await moveOrderStates(
      redis,
      space,
      ids.map((id) => ({
        state: states.get(id) as NonNullable<ReturnType<typeof states.get>>,
        request: { userId: null, from: ['pending'], to: 'paid', restore: false, ttlSeconds: 600 },
      })),
    )
    expect(moved.isOk() && moved.value.map((x) => x.isOk() && x.value.type)).toEqual([
      'Moved',
      'Moved',
      'Moved',
    ])

    const checks = await Promise.all(
      offers.map((offer, n) =>
        checkSoldOut(redis, space, {
          offer,
          userId: `buyer-${n}`,
          quantity: 5,
          idempotencyKey: `other-${n}`,
          token: { tokenId: `jti-${n}`, issuedAt: Math.floor(Date.now() / 1000) },
        }),
      ),
    )
    expect(checks).toEqual([
      { soldOut: true, remaining: 4 },
      { soldOut: true, remaining: 4 },
      { soldOut: true, remaining: 4 },
    ])

    await revokeToken(redis, space, 'jti-x', 'buyer-x', Math.floor(Date.now() / 1000) + 60)
    await revokeUserTokens(redis, space, 'buyer-y', Math.floor(Date.now() / 1000), 60)
    expect(
      await Promise.all([
        isRevoked(redis, space, { tokenId: 'jti-x', userId: 'buyer-x', issuedAt: 0 }),
        isRevoked(redis, space, { tokenId: 'jti-z', userId: 'buyer-y', issuedAt: 0 }),
        isRevoked(redis, space, { tokenId: 'jti-z', userId: 'buyer-z', issuedAt: 0 }),
      ]),
    ).toEqual([true, true, false])

    const streams = [0, 1, 2].map((p) => streamKey(space, p, 'orders'))
    for (const stream of streams) await redis.xgroup('CREATE', stream, 'order-writer', '0')
    const backlogs = await readBacklogs(redis, streams)
    expect(backlogs.map((b) => [b.stream, b.lag])).toEqual(streams.map((stream) => [stream, 2]))
  })
})
