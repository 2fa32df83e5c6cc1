import { afterAll, describe, expect, it } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRedisCluster } from '@flash/devstack'
import {
  beginRecovery,
  connectRedis,
  findOrderStates,
  finishRecovery,
  keySpace,
  markFreshKeySpace,
  nodeFor,
  type Offer,
  offerKeys,
  reserve,
  streamKey,
} from '../src/index.ts'
import { liveSale } from './live-sale.ts'

// A cluster of the test's own, every write fsynced: a killed master comes back with all it acknowledged.
const scratch = mkdtempSync(join(tmpdir(), 'redis-cluster-faults-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const STOCK = 10

describe('money on a Redis Cluster whose master is killed and restarted', () => {
  it('never places an order the cluster cannot keep, and every order placed is counted once', async () => {
    await using cluster = await startRedisCluster({
      masters: 3,
      dir: scratch,
      appendfsync: 'always',
    })
    const redis = connectRedis(cluster.url, { name: 'cluster-faults', log: () => {} })
    const space = keySpace(`t${crypto.randomUUID().slice(0, 8)}:`, 3)
    await markFreshKeySpace(redis, space)
    const offers = await Promise.all(
      [0, 1, 2].map((partition) =>
        liveSale({ redis, space }, { stock: STOCK, partition, openForMs: 600_000 }),
      ),
    )
    const placed: string[][] = [[], [], []]
    /** One order of one unit in each of `partitions`, side by side: what each answered. */
    const buy = async (partitions: number[]) =>
      Promise.all(
        partitions.map(async (p) => {
          const orderId = Bun.randomUUIDv7()
          const result = await reserve(redis, space, {
            offer: offers[p] as Offer,
            orderId,
            userId: crypto.randomUUID(),
            quantity: 1,
            fingerprint: 'q1',
            idempotencyKey: orderId,
            idempotencyTtlSeconds: 600,
            orderTtlSeconds: 600,
          })
          if (result.isOk()) placed[p]?.push(orderId)
          return result.isOk() ? result.value.type : result.error.type
        }),
      )

    expect(await buy([0, 1, 2])).toEqual(['Placed', 'Placed', 'Placed'])

    const port = (await nodeFor(redis, streamKey(space, 1, 'orders'))).options.port
    const owner = cluster.nodes.find((node) => node.port === port)
    if (!owner) throw new Error('no node holds partition 1')
    await owner.kill()
    // Down: partition 1 cannot place (and the cluster as a whole stops once it sees the failure).
    const [whileDown] = await buy([1])
    expect(whileDown).not.toBe('Placed')

    await owner.restart()
    await cluster.waitUntilHealthy()
    // Back with a new server id: partition 1 waits for a recovery; the others place at once.
    expect(await buy([0, 1, 2])).toEqual(['Placed', 'Recovering', 'Placed'])

    // The worker's recovery would find MySQL's orders all there (nothing was lost) and stamp it.
    const lease = await beginRecovery(redis, space, 1, { clear: false, ttlMs: 10_000 })
    if (!lease) throw new Error('partition 1 is locked')
    expect(await finishRecovery(redis, space, lease, { stamp: true })).toBe('Stamped')
    expect(await buy([0, 1, 2])).toEqual(['Placed', 'Placed', 'Placed'])

    for (const [p, offer] of offers.entries()) {
      const ids = placed[p] as string[]
      const states = await findOrderStates(redis, space, ids)
      expect({
        partition: p,
        stock: Number(await redis.get(offerKeys(space, offer).stock)),
        states: ids.filter((id) => states.get(id)?.status === 'pending').length,
        events: await redis.xlen(streamKey(space, p, 'orders')),
      }).toEqual({
        partition: p,
        stock: STOCK - ids.length,
        states: ids.length,
        events: ids.length,
      })
    }
    redis.disconnect()
  }, 120_000)
})
