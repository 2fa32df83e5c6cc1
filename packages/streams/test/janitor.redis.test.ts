import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type TestRedis, testRedis, waitFor } from '@flash/testing'
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

  it('handles a reclaimed entry that consumers kept dying with, alone and loudly, instead of dead-lettering it', async () => {
    const keys = keysOf(r, 'crashy')
    await r.redis.xgroup('CREATE', keys.stream, 'g', '0', 'MKSTREAM')
    const [id] = await addNumbers(r.redis, keys.stream, [13])
    // A consumer took it three times and died with it in hand each time, never answering.
    await r.redis.xreadgroup('GROUP', 'g', 'dead', 'STREAMS', keys.stream, '>')
    await r.redis.xreadgroup('GROUP', 'g', 'dead', 'STREAMS', keys.stream, '0')
    await r.redis.xreadgroup('GROUP', 'g', 'dead', 'STREAMS', keys.stream, '0')
    const handler = recorder()
    await using consumer = startTestConsumer(r, {
      ...keys,
      consumer: 'alive',
      handle: handler.handle,
      maxDeliveries: 3,
      claimIdleMs: 100,
      claimEveryMs: 20,
    })

    await waitFor(async () => (await pendingCount(r.redis, keys.stream, 'g')) === 0, {
      what: 'the entry handled and acknowledged',
    })
    expect(handler.calls).toEqual([[13]])
    expect(await r.redis.xlen(keys.deadLetterStream)).toBe(0)
    expect(consumer.lines.filter((line) => line.includes('WARNING'))).toEqual([
      `[g/alive] WARNING entry ${id} delivered 4 times, 3 of them ended without an answer ` +
        '(the process died with it in hand): handling it alone, after the rest of its batch; ' +
        'it is not dead-lettered for this',
    ])
  })
})
