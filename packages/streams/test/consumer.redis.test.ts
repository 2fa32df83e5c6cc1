import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type TestRedis, testRedis, waitFor } from '@flash/testing'
import { okAsync, ResultAsync } from 'neverthrow'
import { JSON_FIELD, jsonEntry, readDeadLetters } from '../src/index.ts'
import {
  addNumbers,
  keysOf,
  pendingCount,
  range,
  recorder,
  sorted,
  startTestConsumer,
} from './support.ts'

describe('startConsumer', () => {
  // One key prefix for the file (each test names its own keys under it), deleted at the end.
  let r: TestRedis
  beforeAll(async () => {
    r = await testRedis()
  })
  afterAll(() => r[Symbol.asyncDispose]())

  it('acknowledges nothing while the handler fails and retries the entries until it succeeds', async () => {
    const keys = keysOf(r, 'ack')
    await addNumbers(r.redis, keys.stream, range(1, 5))
    let failing = true
    const handler = recorder(() => failing)
    await using consumer = startTestConsumer(r, {
      ...keys,
      handle: handler.handle,
      maxDeliveries: 1000,
    })

    await waitFor(() => handler.calls.length >= 12 || undefined, { what: 'two failed rounds' })
    expect(await pendingCount(r.redis, keys.stream, 'g')).toBe(5)
    expect(handler.handled).toEqual([])

    failing = false
    await waitFor(async () => (await pendingCount(r.redis, keys.stream, 'g')) === 0, {
      what: 'every entry acknowledged',
    })
    expect(sorted(handler.handled)).toEqual(range(1, 5))
    expect(consumer.counters()).toMatchObject({ handled: 5, deadLettered: 0 })
    expect(await r.redis.xlen(keys.deadLetterStream)).toBe(0)
  })

  it('replays the entries a previous run under the same name read and never acknowledged', async () => {
    const keys = keysOf(r, 'replay')
    await r.redis.xgroup('CREATE', keys.stream, 'g', '0', 'MKSTREAM')
    await addNumbers(r.redis, keys.stream, range(1, 3))
    // The previous run: read three entries, then died before acknowledging them.
    await r.redis.xreadgroup('GROUP', 'g', 'c1', 'COUNT', 3, 'STREAMS', keys.stream, '>')
    await addNumbers(r.redis, keys.stream, [4])
    const handler = recorder()
    await using _consumer = startTestConsumer(r, { ...keys, handle: handler.handle })

    await waitFor(() => handler.handled.length === 4 || undefined, { what: 'four events handled' })
    expect(handler.calls[0]).toEqual([1, 2, 3])
    expect(handler.handled).toEqual([1, 2, 3, 4])
    await waitFor(async () => (await pendingCount(r.redis, keys.stream, 'g')) === 0, {
      what: 'nothing pending',
    })
  })

  it('sends entries that do not decode to the dead-letter stream and handles the rest', async () => {
    const keys = keysOf(r, 'malformed')
    await addNumbers(r.redis, keys.stream, [1])
    const badId = await r.redis.xadd(keys.stream, '*', ...jsonEntry({ n: 'seven' }))
    await addNumbers(r.redis, keys.stream, [3])
    const handler = recorder()
    await using consumer = startTestConsumer(r, { ...keys, handle: handler.handle })

    await waitFor(async () => (await r.redis.xlen(keys.deadLetterStream)) === 1, {
      what: 'one dead letter',
    })
    await waitFor(async () => (await pendingCount(r.redis, keys.stream, 'g')) === 0, {
      what: 'nothing pending',
    })
    expect(handler.handled).toEqual([1, 3])
    expect(await readDeadLetters(r.redis, keys.deadLetterStream)).toEqual([
      {
        stream: keys.stream,
        group: 'g',
        consumer: 'c1',
        id: badId as string,
        kind: 'malformed',
        reason: 'n is not a number',
        deliveries: 0,
        fields: { n: 'seven' },
      },
    ])
    expect(consumer.counters()).toEqual({ handled: 2, failed: 0, deadLettered: 1, claimed: 0 })
    const [[, fields]] = (await r.redis.xrange(keys.deadLetterStream, '-', '+')) as [
      [string, string[]],
    ]
    expect(fields).toEqual([JSON_FIELD, expect.any(String)])
  })

  it('lets the batch in hand finish and be acknowledged before stop resolves', async () => {
    const keys = keysOf(r, 'stop')
    await addNumbers(r.redis, keys.stream, range(1, 3))
    const order: string[] = []
    let release: () => void = () => {}
    const released = new Promise<void>((resolve) => (release = resolve))
    let started = false
    const consumer = startTestConsumer(r, {
      ...keys,
      handle: () => {
        started = true
        return ResultAsync.fromSafePromise(
          released.then(() => order.push('handler finished')),
        ).andThen(() => okAsync(undefined))
      },
    })

    await waitFor(() => started || undefined, { what: 'the handler to start' })
    const stopped = consumer.stop().then(() => order.push('stop resolved'))
    release()
    await stopped

    expect(order).toEqual(['handler finished', 'stop resolved'])
    expect(await pendingCount(r.redis, keys.stream, 'g')).toBe(0)
    expect(consumer.counters().handled).toBe(3)
  })

  it('stops well within blockMs while blocked on an empty stream', async () => {
    const keys = keysOf(r, 'idle')
    const handler = recorder()
    const consumer = startTestConsumer(r, { ...keys, handle: handler.handle, blockMs: 10_000 })
    // Reading has begun once the group knows the consumer; the read after that blocks.
    await waitFor(
      async () => ((await r.redis.xinfo('CONSUMERS', keys.stream, 'g')) as unknown[]).length === 1,
      {
        what: 'the consumer to start reading',
      },
    )

    const started = performance.now()
    await consumer.stop()
    expect(performance.now() - started).toBeLessThan(2_000)
  })
})
