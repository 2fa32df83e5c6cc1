import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { orderItems, orders, refreshTokenFamilies } from '@flash/db'
import {
  createBuyers,
  createSale,
  type TestDatabase,
  type TestRedis,
  testDatabase,
  testRedis,
} from '@flash/testing'
import {
  findOrderState,
  generationKey,
  idempotencyKey,
  isRevoked,
  moveOrderState,
  type Offer,
  offerKeys,
  orderKey,
  orderStateText,
  readGeneration,
  requestFingerprint,
  reserve,
  streamKey,
} from '../src/index.ts'
import { type RecoveryOptions, recoverRedis } from '../src/recovery/index.ts'

const SETTINGS: RecoveryOptions = {
  orderStateTtlSeconds: 3600,
  finishedOrderTtlSeconds: 600,
  idempotencyTtlSeconds: 86_400,
  returnWindowSeconds: 86_400,
}

// recoverRedis on its own, against a test's database and key prefix: what it
// rebuilds from MySQL and from the events MySQL does not have yet.
describe('recoverRedis', () => {
  let database: TestDatabase
  beforeAll(async () => {
    database = await testDatabase()
  })
  afterAll(() => database[Symbol.asyncDispose]())

  async function setting(r: TestRedis, quantity = 10) {
    const [ann, bob] = (await createBuyers(database.db, 2)) as [string, string]
    const { saleId, productId } = await createSale(database.db, r.redis, r.space, {
      quantity,
      perUserLimit: 2,
    })
    const offer: Offer = { kind: 'sale', id: saleId }
    const place = async (userId: string, key: string) => {
      const orderId = Bun.randomUUIDv7()
      const placed = await reserve(r.redis, r.space, {
        offer,
        orderId,
        userId,
        quantity: 1,
        fingerprint: requestFingerprint(offer, 1),
        idempotencyKey: key,
        idempotencyTtlSeconds: 86_400,
        orderTtlSeconds: 3600,
      })
      if (placed.isErr()) throw new Error(`order ${key}: ${placed.error.type}`)
      return orderId
    }
    return { ann, bob, saleId, productId, offer, keys: offerKeys(r.space, offer), place }
  }

  const recover = (r: TestRedis, options: Partial<RecoveryOptions> = {}) =>
    recoverRedis(
      { db: database.db, redis: r.redis, space: r.space, log: () => {} },
      { ...SETTINGS, ...options },
    )

  it('counts the orders MySQL does not have yet as their events in the orders stream say', async () => {
    await using r = await testRedis()
    const { ann, bob, offer, keys, place } = await setting(r)
    const kept = [await place(ann, 'a1'), await place(ann, 'a2')]
    const cancelled = await place(bob, 'b1')
    const state = await findOrderState(r.redis, r.space, cancelled)
    if (!state) throw new Error('no live state')
    await moveOrderState(r.redis, r.space, state, {
      userId: bob,
      from: ['pending'],
      to: 'cancelled',
      restore: true,
      ttlSeconds: 600,
    })
    // Lost with Redis's data, but the stream (older, restored) still has the events; MySQL has none.
    const lost = [
      keys.stock,
      keys.buyers,
      generationKey(r.space, 0),
      ...[...kept, cancelled].map((id) => orderKey(r.space, 0, id)),
      idempotencyKey(r.space, 0, ann, offer.id, 'a1'),
    ]
    await r.redis.del(...lost)

    const [recovery] = await recover(r)
    const replay = await reserve(r.redis, r.space, {
      offer,
      orderId: Bun.randomUUIDv7(),
      userId: ann,
      quantity: 1,
      fingerprint: requestFingerprint(offer, 1),
      idempotencyKey: 'a1',
      idempotencyTtlSeconds: 86_400,
      orderTtlSeconds: 3600,
    })

    expect({
      outcome: recovery?.outcome,
      stock: await r.redis.get(keys.stock),
      buyers: await r.redis.hgetall(keys.buyers),
      live: await Promise.all(
        kept.map(async (id) => (await findOrderState(r.redis, r.space, id))?.status),
      ),
      replay: replay.isOk() && replay.value,
      generation: (await readGeneration(r.redis, r.space, 0)).state,
    }).toEqual({
      outcome: 'rebuilt',
      stock: '8',
      buyers: { [ann]: '2' },
      live: ['pending', 'pending'],
      replay: { type: 'Replayed', orderId: kept[0] as string },
      generation: 'current',
    })
  })

  it('overwrites a live state older than MySQL, so an older copy can never give its units back twice', async () => {
    await using r = await testRedis()
    const { ann, saleId, productId, offer, keys } = await setting(r)
    const orderId = Bun.randomUUIDv7()
    const placedAt = new Date(Date.now() - 60_000)
    const cancelledAt = new Date(Date.now() - 30_000)
    // MySQL: placed, then cancelled (seq 2). Redis, restored from before the cancel: pending, 9 left.
    await database.db.insert(orders).values({
      id: orderId,
      userId: ann,
      saleId,
      status: 'cancelled',
      seq: 2,
      total: 5000,
      idempotencyKey: 'a1',
      createdAt: placedAt,
      updatedAt: cancelledAt,
    })
    await database.db
      .insert(orderItems)
      .values({ orderId, productId, quantity: 1, unitPrice: 5000 })
    const older = {
      id: orderId,
      userId: ann,
      saleId,
      productId,
      quantity: 1,
      unitPrice: 5000,
      total: 5000,
      status: 'pending' as const,
      seq: 1,
      idempotencyKey: 'a1',
      createdAt: placedAt,
      updatedAt: placedAt,
    }
    await r.redis.set(orderKey(r.space, 0, orderId), orderStateText(older), 'EX', 3600)
    await r.redis.set(keys.stock, 9)
    await r.redis.hset(keys.buyers, ann, 1)
    await r.redis.set(generationKey(r.space, 0), 'f'.repeat(40))
    const stream = streamKey(r.space, 0, 'orders')

    const [recovery] = await recover(r, { appliedEntryId: async () => `${Date.now()}-0` })
    const stale = await moveOrderState(
      r.redis,
      r.space,
      { ...older, partition: 0 },
      {
        userId: ann,
        from: ['pending'],
        to: 'cancelled',
        restore: true,
        ttlSeconds: 600,
      },
    )

    expect({
      outcome: recovery?.outcome,
      why: recovery?.outcome === 'rebuilt' && recovery.why,
      state: (await findOrderState(r.redis, r.space, orderId))?.status,
      cancelAgain: stale.isOk() && stale.value.type,
      stock: await r.redis.get(keys.stock),
      buyers: await r.redis.hgetall(keys.buyers),
      replayRecord: await r.redis.get(idempotencyKey(r.space, 0, ann, offer.id, 'a1')),
      streamRaised: (await r.redis.exists(stream)) === 1,
    }).toEqual({
      outcome: 'rebuilt',
      why: 'Redis came back older than MySQL',
      state: 'cancelled',
      cancelAgain: 'AlreadyThere',
      stock: '10',
      buyers: {},
      replayRecord: `${requestFingerprint(offer, 1)} ${orderId}`,
      streamRaised: true,
    })
  })

  it('stamps a restarted partition again without a rebuild when its stream has every entry MySQL applied', async () => {
    await using r = await testRedis()
    const { ann, keys, place } = await setting(r)
    await place(ann, 'a1')
    const stream = streamKey(r.space, 0, 'orders')
    const [last] = await r.redis.xrevrange(stream, '+', '-', 'COUNT', 1)
    const lastId = last?.[0] ?? null
    await r.redis.set(generationKey(r.space, 0), 'f'.repeat(40))
    // Something a rebuild would overwrite, to see that none ran.
    await r.redis.set(keys.stock, 3)

    const [checked] = await recover(r, { appliedEntryId: async () => lastId })

    expect({
      outcome: checked?.outcome,
      generation: (await readGeneration(r.redis, r.space, 0)).state,
      stock: await r.redis.get(keys.stock),
      again: (await recover(r))[0]?.outcome,
    }).toEqual({ outcome: 'checked', generation: 'current', stock: '3', again: 'current' })
  })

  it('puts back the logouts an access token could outlive, for the users whose sessions ended within its lifetime', async () => {
    await using r = await testRedis()
    const [recent, longAgo, active] = (await createBuyers(database.db, 3)) as [
      string,
      string,
      string,
    ]
    const nowMs = Date.now()
    const family = (userId: string, revokedAt: Date | null) => ({
      id: Bun.randomUUIDv7(),
      userId,
      currentTokenId: Bun.randomUUIDv7(),
      expiresAt: new Date(nowMs + 86_400_000),
      revokedAt,
      createdAt: new Date(nowMs - 3 * 3600_000),
    })
    await database.db
      .insert(refreshTokenFamilies)
      .values([
        family(recent, new Date(nowMs - 60_000)),
        family(longAgo, new Date(nowMs - 2 * 3600_000)),
        family(active, null),
      ])
    // A token of each user issued two minutes ago: before the recent logout.
    const issuedAt = Math.floor(nowMs / 1000) - 120
    const revoked = async () =>
      Promise.all(
        [recent, longAgo, active].map((userId) =>
          isRevoked(r.redis, r.space, { tokenId: Bun.randomUUIDv7(), userId, issuedAt }),
        ),
      )
    // Redis came back empty: auth's logout marks are gone with the generation.
    await r.redis.del(generationKey(r.space, 0))

    const [recovery] = await recover(r, { accessTokenTtlSeconds: 900 })

    expect({ outcome: recovery?.outcome, revoked: await revoked() }).toEqual({
      outcome: 'rebuilt',
      revoked: [true, false, false],
    })
    // Tokens issued after the logout (a refresh) work again.
    expect(
      await isRevoked(r.redis, r.space, {
        tokenId: Bun.randomUUIDv7(),
        userId: recent,
        issuedAt: Math.floor(nowMs / 1000) + 1,
      }),
    ).toBe(false)
  })
})
