import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type TestRedis, testRedis, waitFor } from '@flash/testing'
import { jsonEntry, streamStats, writeDeadLetters } from '../src/index.ts'
import { addNumbers, keysOf, range, recorder, startTestConsumer } from './support.ts'

describe('visibility', () => {
  // One key prefix for the file (each test names its own keys under it), deleted at the end.
  let r: TestRedis
  beforeAll(async () => {
    r = await testRedis()
  })
  afterAll(() => r[Symbol.asyncDispose]())

  it('reports length, lag, pending, the oldest pending idle time and dead letters of a group', async () => {
    const keys = keysOf(r, 'stats')
    await r.redis.xgroup('CREATE', keys.stream, 'g', '0', 'MKSTREAM')
    await addNumbers(r.redis, keys.stream, range(1, 10))
    await r.redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 4, 'STREAMS', keys.stream, '>')
    await writeDeadLetters(r.redis, keys.deadLetterStream, [
      {
        stream: keys.stream,
        group: 'g',
        consumer: 'c',
        id: '1-0',
        kind: 'deleted',
        reason: 'gone',
        deliveries: 0,
        fields: null,
      },
    ])

    const stats = await streamStats(r.redis, keys.stream, 'g', {
      deadLetterStream: keys.deadLetterStream,
    })
    expect(stats).toEqual({
      length: 10,
      lag: 6,
      pending: 4,
      oldestPendingIdleMs: expect.any(Number),
      deadLetters: 1,
    })
  })

  it('counts the lag itself when Redis cannot report it', async () => {
    const keys = keysOf(r, 'nolag')
    await r.redis.xgroup('CREATE', keys.stream, 'g', '0', 'MKSTREAM')
    const ids = await addNumbers(r.redis, keys.stream, range(1, 6))
    await r.redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 2, 'STREAMS', keys.stream, '>')
    await r.redis.xack(keys.stream, 'g', ids[0] as string, ids[1] as string)
    // A deletion inside the undelivered range leaves Redis 7 unable to compute the lag.
    await r.redis.xdel(keys.stream, ids[3] as string)

    expect(await streamStats(r.redis, keys.stream, 'g')).toEqual({
      length: 5,
      lag: 3,
      pending: 0,
      oldestPendingIdleMs: null,
    })
  })

  it('logs a stats line with its counters every statsEveryMs', async () => {
    const keys = keysOf(r, 'log')
    await addNumbers(r.redis, keys.stream, range(1, 3))
    await r.redis.xadd(keys.stream, '*', ...jsonEntry({ n: 'x' }))
    const handler = recorder()
    await using consumer = startTestConsumer(r, {
      ...keys,
      handle: handler.handle,
      statsEveryMs: 20,
    })

    const line = await waitFor(
      () => consumer.lines.find((text) => text.includes('stats') && text.includes('handled=3')),
      { what: 'a stats line after the batch' },
    )
    expect(line).toContain('[g/c1] stats lag=0 pending=0')
    expect(line).toContain('handled=3 failed=0 dead-lettered=1 claimed=0')
    expect(consumer.counters()).toEqual({ handled: 3, failed: 0, deadLettered: 1, claimed: 0 })
  })
})
