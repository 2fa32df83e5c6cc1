import { describe, expect, it } from 'bun:test'
import { type TestRedis, testRedis } from '@flash/testing'
import {
  generationKey,
  giveUnits,
  type KeySpace,
  keySpace,
  markFreshKeySpace,
  offerKeys,
  readGeneration,
  type TransferLeg,
  takeUnits,
  transferKey,
} from '../src/index.ts'

const TTL = 3600

/** A sale's bucket on partition 1 of a 3-partition space, holding `stock` units. */
async function bucket(r: TestRedis, stock: number) {
  const space = keySpace(r.prefix, 3)
  await markFreshKeySpace(r.redis, space)
  const leg: TransferLeg = {
    transferId: Bun.randomUUIDv7(),
    saleId: Bun.randomUUIDv7(),
    partition: 1,
    units: 4,
  }
  const stockKey = offerKeys(space, { kind: 'sale', id: leg.saleId }, leg.partition).stock
  await r.redis.set(stockKey, stock)
  return { space, leg, stockKey, marker: transferKey(space, leg.partition, leg.transferId) }
}

async function generationOf(r: TestRedis, space: KeySpace, partition: number): Promise<string> {
  const { marker } = await readGeneration(r.redis, space, partition)
  if (!marker) throw new Error(`partition ${partition} has no generation marker`)
  return marker
}

describe('take-units.lua', () => {
  it('takes the units once: asked again (a resume in void mode) it answers Taken and takes nothing', async () => {
    await using r = await testRedis()
    const { space, leg, stockKey, marker } = await bucket(r, 10)
    const generation = await generationOf(r, space, 1)

    const first = await takeUnits(r.redis, space, leg, { mode: 'take', generation }, TTL)
    const again = await takeUnits(r.redis, space, leg, { mode: 'void' }, TTL)

    expect({
      first,
      again,
      stock: await r.redis.get(stockKey),
      marker: await r.redis.get(marker),
    }).toEqual({
      first: { type: 'Taken', remaining: 6 },
      again: { type: 'Taken', remaining: 6 },
      stock: '6',
      marker: 'taken',
    })
    expect(await r.redis.ttl(marker)).toBeGreaterThan(0)
  })

  it('voids a transfer the bucket has too few units for, for good: a later take takes nothing', async () => {
    await using r = await testRedis()
    const { space, leg, stockKey, marker } = await bucket(r, 3)
    const generation = await generationOf(r, space, 1)

    const refused = await takeUnits(r.redis, space, leg, { mode: 'take', generation }, TTL)
    await r.redis.set(stockKey, 50)
    const later = await takeUnits(r.redis, space, leg, { mode: 'take', generation }, TTL)

    expect({
      refused,
      later,
      stock: await r.redis.get(stockKey),
      marker: await r.redis.get(marker),
    }).toEqual({
      refused: { type: 'Void', remaining: 3 },
      later: { type: 'Void', remaining: 50 },
      stock: '50',
      marker: 'void',
    })
  })

  it('in void mode, forbids a take that has not happened yet', async () => {
    await using r = await testRedis()
    const { space, leg, stockKey } = await bucket(r, 10)
    const generation = await generationOf(r, space, 1)

    const voided = await takeUnits(r.redis, space, leg, { mode: 'void' }, TTL)
    const late = await takeUnits(r.redis, space, leg, { mode: 'take', generation }, TTL)

    expect({ voided, late, stock: await r.redis.get(stockKey) }).toEqual({
      voided: { type: 'Void', remaining: 10 },
      late: { type: 'Void', remaining: 10 },
      stock: '10',
    })
  })

  it('refuses while the partition is recovering, and a take once it was recovered since the transfer was recorded', async () => {
    await using r = await testRedis()
    const { space, leg, stockKey, marker } = await bucket(r, 10)
    const before = await generationOf(r, space, 1)
    await r.redis.del(generationKey(space, 1))

    const recovering = [
      await takeUnits(r.redis, space, leg, { mode: 'take', generation: before }, TTL),
      await takeUnits(r.redis, space, leg, { mode: 'void' }, TTL),
    ]
    // Recovered again: a new generation, which the transfer was not recorded under.
    await markFreshKeySpace(r.redis, space)
    const afterRecovery = await takeUnits(
      r.redis,
      space,
      leg,
      { mode: 'take', generation: before },
      TTL,
    )

    expect({
      recovering,
      afterRecovery,
      stock: await r.redis.get(stockKey),
      marker: await r.redis.get(marker),
    }).toEqual({
      recovering: [
        { type: 'Recovering', partition: 1 },
        { type: 'Recovering', partition: 1 },
      ],
      afterRecovery: { type: 'Recovering', partition: 1 },
      stock: '10',
      marker: null,
    })
  })
})

describe('give-units.lua', () => {
  it('adds the units once: a second give adds nothing', async () => {
    await using r = await testRedis()
    const { space, leg, stockKey, marker } = await bucket(r, 2)

    const first = await giveUnits(r.redis, space, leg, TTL)
    const second = await giveUnits(r.redis, space, leg, TTL)

    expect({
      first,
      second,
      stock: await r.redis.get(stockKey),
      marker: await r.redis.get(marker),
    }).toEqual({
      first: { type: 'Given', remaining: 6 },
      second: { type: 'AlreadyGiven', remaining: 6 },
      stock: '6',
      marker: 'given',
    })
  })

  it('adds nothing where a recovery wrote the marker (its rebuilt stock counts the units already)', async () => {
    await using r = await testRedis()
    const { space, leg, stockKey, marker } = await bucket(r, 9)
    await r.redis.set(marker, 'given')

    expect(await giveUnits(r.redis, space, leg, TTL)).toEqual({
      type: 'AlreadyGiven',
      remaining: 9,
    })
    expect(await r.redis.get(stockKey)).toBe('9')
  })

  it('refuses while the partition is recovering and changes nothing', async () => {
    await using r = await testRedis()
    const { space, leg, stockKey, marker } = await bucket(r, 2)
    await r.redis.del(generationKey(space, 1))

    expect(await giveUnits(r.redis, space, leg, TTL)).toEqual({ type: 'Recovering', partition: 1 })
    expect({ stock: await r.redis.get(stockKey), marker: await r.redis.get(marker) }).toEqual({
      stock: '2',
      marker: null,
    })
  })
})
