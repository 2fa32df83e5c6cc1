import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { RedisClient } from '@flash/redis'
import { type TestRedis, testRedis, waitFor } from '@flash/testing'
import type { RedisCommander } from 'ioredis'
import { failuresKey, readDeadLetters } from '../src/index.ts'
import { addNumbers, keysOf, pendingCount, range, recorder, startTestConsumer } from './support.ts'

/**
 * What a consumer named `c1` leaves behind when its process dies with entries
 * in hand: it read them (one delivery each), and `deliveries` says how many
 * times in all each was read by a process that then died.
 */
async function diedWith(redis: RedisClient, stream: string, deliveries: Map<string, number>) {
  await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM')
  await redis.xreadgroup('GROUP', 'g', 'c1', 'STREAMS', stream, '>')
  for (const [id, count] of deliveries)
    await (redis as RedisCommander).xclaim(stream, 'g', 'c1', 0, id, 'RETRYCOUNT', count, 'JUSTID')
}

describe('entries the process died with', () => {
  let r: TestRedis
  beforeAll(async () => {
    r = await testRedis()
  })
  afterAll(() => r[Symbol.asyncDispose]())

  it('handles an entry the process died with more than once alone, after the rest of its batch, and says so with its delivery count', async () => {
    const keys = keysOf(r, 'suspect')
    const ids = await addNumbers(r.redis, keys.stream, range(1, 4))
    const suspect = ids[1] as string
    // Every entry was in hand once when the process died; entry 2 three times.
    await diedWith(r.redis, keys.stream, new Map([[suspect, 3]]))
    const handler = recorder()
    await using consumer = startTestConsumer(r, {
      ...keys,
      handle: handler.handle,
      maxDeliveries: 2,
    })

    await waitFor(async () => (await pendingCount(r.redis, keys.stream, 'g')) === 0, {
      what: 'every entry handled and acknowledged',
    })
    expect({
      calls: handler.calls,
      deadLetters: await r.redis.xlen(keys.deadLetterStream),
      warnings: consumer.lines.filter((line) => line.includes('WARNING')),
    }).toEqual({
      calls: [[1, 3, 4], [2]],
      deadLetters: 0,
      warnings: [
        `[g/c1] WARNING entry ${suspect} delivered 4 times, 3 of them ended without an answer ` +
          '(the process died with it in hand): handling it alone, after the rest of its batch; ' +
          'it is not dead-lettered for this',
      ],
    })
  })

  it('dead-letters an entry the process died with only after maxDeliveries failures of its own, and forgets the count', async () => {
    const keys = keysOf(r, 'own')
    const [poison, once] = (await addNumbers(r.redis, keys.stream, [7, 8])) as [string, string]
    await diedWith(
      r.redis,
      keys.stream,
      new Map([
        [poison, 5],
        [once, 5],
      ]),
    )
    // 7 fails every time; 8 fails the first time only.
    let failedEight = false
    const handler = recorder(([event]) => {
      if (event?.n === 7) return true
      if (event?.n !== 8 || failedEight) return false
      failedEight = true
      return true
    })
    await using consumer = startTestConsumer(r, {
      ...keys,
      handle: handler.handle,
      maxDeliveries: 2,
    })

    await waitFor(async () => (await pendingCount(r.redis, keys.stream, 'g')) === 0, {
      what: 'both entries settled',
    })
    expect(await readDeadLetters(r.redis, keys.deadLetterStream)).toEqual([
      {
        stream: keys.stream,
        group: 'g',
        consumer: 'c1',
        id: poison,
        kind: 'poison',
        reason: 'refused 7',
        deliveries: 2,
        fields: { n: '7' },
      },
    ])
    expect({
      calls: handler.calls,
      handled: handler.handled,
      counters: consumer.counters(),
      failuresKept: await r.redis.exists(failuresKey(keys.stream, 'g')),
    }).toEqual({
      calls: [[7], [8], [7], [8]],
      handled: [8],
      counters: { handled: 1, failed: 2, deadLettered: 1, claimed: 0 },
      failuresKept: 0,
    })
  })

  it('never dead-letters an entry the process died with for transient failures, however many', async () => {
    const keys = keysOf(r, 'transient')
    const [id] = (await addNumbers(r.redis, keys.stream, [5])) as [string]
    await diedWith(r.redis, keys.stream, new Map([[id, 5]]))
    const handler = recorder(() => handler.calls.length <= 6)
    await using consumer = startTestConsumer(r, {
      ...keys,
      handle: handler.handle,
      maxDeliveries: 2,
      isTransient: (error) => error.message.startsWith('refused'),
    })

    await waitFor(async () => (await pendingCount(r.redis, keys.stream, 'g')) === 0, {
      what: 'the entry handled',
    })
    expect({
      calls: handler.calls.length,
      handled: handler.handled,
      deadLetters: consumer.counters().deadLettered,
    }).toEqual({ calls: 7, handled: [5], deadLetters: 0 })
  })
})
