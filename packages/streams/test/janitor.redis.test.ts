import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type TestRedis, testRedis, waitFor } from '@flash/testing'
import { readDeadLetters } from '../src/index.ts'
import {
  addNumbers,
  keysOf,
  pendingCount,
  range,
  recorder,
  sorted,
  startTestConsumer,
} from './support.ts'

describe('janitor', () => {
  // One key prefix for the file (each test names its own keys under it), deleted at the end.
  let r: TestRedis
  beforeAll(async () => {
    r = await testRedis()
  })
  afterAll(() => r[Symbol.asyncDispose]())

  it("reclaims a dead consumer's pending entries and acknowledges the ones deleted meanwhile", async () => {
    const keys = keysOf(r, 'reclaim')
    await r.redis.xgroup('CREATE', keys.stream, 'g', '0', 'MKSTREAM')
    const ids = await addNumbers(r.redis, keys.stream, range(1, 5))
    // A consumer read all five and died; one of them was then deleted from the stream.
    await r.redis.xreadgroup('GROUP', 'g', 'dead', 'COUNT', 5, 'STREAMS', keys.stream, '>')
    await r.redis.xdel(keys.stream, ids[4] as string)
    const handler = recorder()
    await using consumer = startTestConsumer(r, {
      ...keys,
      consumer: 'alive',
      handle: handler.handle,
      claimIdleMs: 100,
      claimEveryMs: 20,
    })

    await waitFor(async () => (await pendingCount(r.redis, keys.stream, 'g')) === 0, {
      what: "the dead consumer's entries reclaimed and acknowledged",
    })
    expect(sorted(handler.handled)).toEqual([1, 2, 3, 4])
    expect(consumer.counters()).toMatchObject({ handled: 4, claimed: 4 })
    expect(await r.redis.xlen(keys.deadLetterStream)).toBe(0)
  })

  it('dead-letters a reclaimed entry already delivered maxDeliveries times without handling it', async () => {
    const keys = keysOf(r, 'crashy')
    await r.redis.xgroup('CREATE', keys.stream, 'g', '0', 'MKSTREAM')
    const [id] = await addNumbers(r.redis, keys.stream, [13])
    // Three consumers in turn took it and crashed on it without ever answering.
    await r.redis.xreadgroup('GROUP', 'g', 'dead', 'STREAMS', keys.stream, '>')
    await r.redis.xreadgroup('GROUP', 'g', 'dead', 'STREAMS', keys.stream, '0')
    await r.redis.xreadgroup('GROUP', 'g', 'dead', 'STREAMS', keys.stream, '0')
    const handler = recorder()
    await using _consumer = startTestConsumer(r, {
      ...keys,
      consumer: 'alive',
      handle: handler.handle,
      maxDeliveries: 3,
      claimIdleMs: 100,
      claimEveryMs: 20,
    })

    await waitFor(async () => (await r.redis.xlen(keys.deadLetterStream)) === 1, {
      what: 'the entry dead-lettered',
    })
    expect(handler.calls).toEqual([])
    expect(await pendingCount(r.redis, keys.stream, 'g')).toBe(0)
    expect(await readDeadLetters(r.redis, keys.deadLetterStream)).toEqual([
      {
        stream: keys.stream,
        group: 'g',
        consumer: 'alive',
        id: id as string,
        kind: 'poison',
        reason: 'delivered 4 times without being acknowledged',
        deliveries: 4,
        fields: { n: '13' },
      },
    ])
  })
})
