import { describe, expect, it } from 'bun:test'
import { parseWorkEvent } from '@flash/contracts'
import { streamKey } from '@flash/redis'
import { toEntries } from '@flash/streams'
import { testDatabase, testRedis } from '@flash/testing'
import { RETIRED_REACTIONS_GROUP, retireReactionsGroup } from '../src/consumers/reactions.ts'
import { testContext } from './helpers.ts'

describe('upgrading a stream from the separate reactions group', () => {
  it('reacts to everything the old group still owed, then destroys it', async () => {
    await using database = await testDatabase()
    await using r = await testRedis()
    const ctx = testContext(database, r)
    const orders = streamKey(r.space, 0, 'orders')
    const streams = {
      shippingStream: streamKey(r.space, 0, 'shipping'),
      emailsStream: streamKey(r.space, 0, 'emails'),
    }
    const status = (orderId: string, to: string) =>
      r.redis.xadd(
        orders,
        '*',
        'type',
        'order.status',
        'orderId',
        orderId,
        'from',
        'pending',
        'to',
        to,
        'restored',
        '0',
        'at',
        String(Date.now()),
      )
    /** What the old worker's reactions consumer read of the stream. */
    const oldWorkerReads = async (count: number) =>
      toEntries(
        await r.redis.xreadgroup(
          'GROUP',
          RETIRED_REACTIONS_GROUP,
          'old-worker',
          'COUNT',
          count,
          'STREAMS',
          orders,
          '>',
        ),
      )
    await r.redis.xgroup('CREATE', orders, RETIRED_REACTIONS_GROUP, '0', 'MKSTREAM')
    await status('o-acked', 'paid')
    // The old worker handled this one: it must not be reacted to again.
    const [acked] = await oldWorkerReads(1)
    await r.redis.xack(orders, RETIRED_REACTIONS_GROUP, acked?.id as string)
    // Delivered to the old worker, which died before acknowledging them.
    await status('o-paid', 'paid')
    await status('o-failed', 'failed')
    await oldWorkerReads(2)
    // Never delivered at all.
    await status('o-cancelled', 'cancelled')
    await status('o-expired', 'expired')

    expect(await retireReactionsGroup(ctx, orders, streams)).toBe(4)

    const requested = async (stream: string) =>
      toEntries([[stream, await r.redis.xrange(stream, '-', '+')]]).map(({ fields }) => {
        const event = parseWorkEvent(fields ?? {})._unsafeUnwrap()
        return event.type === 'email.requested'
          ? event.key
          : `${event.type}:${'orderId' in event ? event.orderId : ''}`
      })
    expect(await requested(streams.shippingStream)).toEqual(['shipping.requested:o-paid'])
    expect(await requested(streams.emailsStream)).toEqual([
      'order_paid:o-paid',
      'order_failed:o-failed',
      'order_cancelled:o-cancelled',
    ])
    const groups = (await r.redis.xinfo('GROUPS', orders)) as unknown[][]
    expect(groups.map((fields) => fields[1])).toEqual([])
    // Already retired: nothing more to do, and no error.
    expect(await retireReactionsGroup(ctx, orders, streams)).toBe(0)
  })

  it('does nothing to a stream that never had the group', async () => {
    await using database = await testDatabase()
    await using r = await testRedis()
    const streams = {
      shippingStream: streamKey(r.space, 0, 'shipping'),
      emailsStream: streamKey(r.space, 0, 'emails'),
    }
    const orders = streamKey(r.space, 0, 'orders')
    expect(await retireReactionsGroup(testContext(database, r), orders, streams)).toBe(0)
    await r.redis.xadd(
      orders,
      '*',
      'type',
      'order.status',
      'orderId',
      'o1',
      'from',
      'pending',
      'to',
      'paid',
      'restored',
      '0',
      'at',
      '1',
    )
    expect(await retireReactionsGroup(testContext(database, r), orders, streams)).toBe(0)
    expect(await r.redis.xlen(streams.emailsStream)).toBe(0)
  })
})
