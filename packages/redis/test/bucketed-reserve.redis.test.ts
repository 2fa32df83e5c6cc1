import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type TestRedis, testRedis } from '@flash/testing'
import {
  bucketPartition,
  checkSoldOut,
  findOrderState,
  type KeySpace,
  keySpace,
  knownBuckets,
  markFreshKeySpace,
  type Offer,
  offerKeys,
  type ReserveInput,
  rateKey,
  reserve,
  streamKey,
} from '../src/index.ts'
import { buyerIn, liveBucketedSale } from './live-sale.ts'

// A sale split into three buckets on three partitions: each buyer is decided
// in one bucket only, and a bucket that runs short answers Rebalancing while
// the others hold units, sold out only once they do not.
describe('reserve, a bucketed sale', () => {
  let r: TestRedis
  let space: KeySpace
  beforeAll(async () => {
    r = await testRedis()
    space = keySpace(r.prefix, 3)
    await markFreshKeySpace(r.redis, space)
  })
  afterAll(() => r[Symbol.asyncDispose]())

  function order(offer: Offer, userId: string, key: string = crypto.randomUUID(), quantity = 1) {
    const input: ReserveInput = {
      offer,
      orderId: Bun.randomUUIDv7(),
      userId,
      quantity,
      fingerprint: `q${quantity}`,
      idempotencyKey: key,
      idempotencyTtlSeconds: 60,
      orderTtlSeconds: 60,
    }
    return reserve(r.redis, space, input).match(
      (ok) => ok,
      (refusal) => refusal,
    )
  }
  const stockOf = async (offer: Offer, bucket: number) =>
    Number(
      await r.redis.get(offerKeys(space, offer, bucketPartition(space, offer.id, bucket)).stock),
    )
  const bucketMeta = (offer: Offer, bucket: number) =>
    offerKeys(space, offer, bucketPartition(space, offer.id, bucket)).meta

  it("learns the bucket count on the first order and places every order in its buyer's bucket", async () => {
    const offer = await liveBucketedSale(r, space, { quantity: 9, buckets: 3 })
    expect(knownBuckets(space, offer)).toBe(1)
    const buyers = [buyerIn(0, 3), buyerIn(1, 3), buyerIn(2, 3), buyerIn(2, 3)]
    const placed = []
    for (const buyer of buyers) placed.push(await order(offer, buyer))

    expect(knownBuckets(space, offer)).toBe(3)
    expect(placed.map((p) => p.type)).toEqual(['Placed', 'Placed', 'Placed', 'Placed'])
    expect(placed.map((p) => ('partition' in p ? p.partition : -1))).toEqual(
      [0, 1, 2, 2].map((bucket) => bucketPartition(space, offer.id, bucket)),
    )
    expect([await stockOf(offer, 0), await stockOf(offer, 1), await stockOf(offer, 2)]).toEqual([
      2, 2, 1,
    ])
    // The order lives where its units were taken: its state and its event are in that partition.
    const last = placed[3] as { orderId: string; partition: number }
    expect((await findOrderState(r.redis, space, last.orderId))?.partition).toBe(last.partition)
    expect(await r.redis.xlen(streamKey(space, last.partition, 'orders'))).toBeGreaterThanOrEqual(2)
  })

  it("counts a first order that learns the bucket count once, in the buyer's bucket only", async () => {
    const offer = await liveBucketedSale(r, space, { quantity: 9, buckets: 3 })
    const eve = buyerIn(1, 3)
    const input: ReserveInput = {
      offer,
      orderId: Bun.randomUUIDv7(),
      userId: eve,
      quantity: 1,
      fingerprint: 'q1',
      idempotencyKey: 'k1',
      idempotencyTtlSeconds: 60,
      orderTtlSeconds: 60,
      rate: { clientId: 'client-eve', perBuyer: 5, perClient: 5, windowSeconds: 60 },
    }
    const placed = await reserve(r.redis, space, input)

    const home = bucketPartition(space, offer.id, 0)
    const mine = bucketPartition(space, offer.id, 1)
    expect(placed.isOk() && placed.value.type).toBe('Placed')
    const counters = async (partition: number) =>
      r.redis.mget(
        rateKey(space, partition, 'buyer', eve),
        rateKey(space, partition, 'client', 'client-eve'),
      )
    // The sale's own partition answered WrongBuckets and counted nothing; the bucket counted once.
    expect({ home: await counters(home), bucket: await counters(mine) }).toEqual({
      home: [null, null],
      bucket: ['1', '1'],
    })
  })

  it('keeps the per-buyer limit and replays exactly, the buyer always in one bucket', async () => {
    const offer = await liveBucketedSale(r, space, { quantity: 30, buckets: 3, perUserLimit: 2 })
    const ann = buyerIn(1, 3)
    const first = await order(offer, ann, 'k1')
    const answers = await Promise.all([
      order(offer, ann, 'k1'),
      order(offer, ann, 'k2'),
      order(offer, ann, 'k3'),
    ])
    expect(first.type).toBe('Placed')
    expect(answers.map((a) => a.type).sort()).toEqual(['LimitReached', 'Placed', 'Replayed'])
    expect(answers.find((a) => a.type === 'Replayed')).toMatchObject({
      orderId: (first as { orderId: string }).orderId,
    })
    expect(await stockOf(offer, 1)).toBe(8)
  })

  it('answers Rebalancing from a short bucket while the others hold units, and counts what it wanted', async () => {
    const offer = await liveBucketedSale(r, space, { quantity: 3, buckets: 3 })
    const bob = buyerIn(2, 3)
    expect((await order(offer, bob)).type).toBe('Placed')
    const again = await order(offer, buyerIn(2, 3), 'k', 1)

    expect(again).toEqual({ type: 'Rebalancing', remaining: 0 })
    expect(await r.redis.hget(bucketMeta(offer, 2), 'wants')).toBe('1')
    expect(await stockOf(offer, 2)).toBe(0)
  })

  it('answers sold out only once the balancer saw nothing elsewhere, as the shortcut does', async () => {
    const offer = await liveBucketedSale(r, space, { quantity: 3, buckets: 3 })
    const cy = buyerIn(0, 3)
    expect((await order(offer, cy)).type).toBe('Placed')
    const question = (userId: string) => ({
      offer,
      userId,
      quantity: 1,
      idempotencyKey: crypto.randomUUID(),
      token: { tokenId: 'jti', issuedAt: 0 },
    })
    const dee = buyerIn(0, 3)
    expect(await checkSoldOut(r.redis, space, question(dee))).toEqual({ soldOut: false })
    expect((await order(offer, dee)).type).toBe('Rebalancing')

    // What the balancer writes once the other buckets are empty too.
    for (const bucket of [0, 1, 2]) await r.redis.hset(bucketMeta(offer, bucket), 'elsewhere', 0)
    expect(await checkSoldOut(r.redis, space, question(dee))).toEqual({
      soldOut: true,
      remaining: 0,
    })
    expect(await order(offer, dee)).toEqual({ type: 'SoldOut', remaining: 0 })
  })

  it('never places more than a bucket holds when its buyers all come at once', async () => {
    const offer = await liveBucketedSale(r, space, { quantity: 30, buckets: 3 })
    const buyers = Array.from({ length: 120 }, (_, i) => buyerIn(i % 3, 3))
    const answers = await Promise.all(buyers.map((buyer) => order(offer, buyer)))

    const placed = answers.filter((a) => a.type === 'Placed').length
    expect(placed).toBe(30)
    expect(answers.filter((a) => a.type === 'Rebalancing' || a.type === 'SoldOut').length).toBe(90)
    expect([await stockOf(offer, 0), await stockOf(offer, 1), await stockOf(offer, 2)]).toEqual([
      0, 0, 0,
    ])
  })
})
