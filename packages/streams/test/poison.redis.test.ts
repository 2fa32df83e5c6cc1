import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type TestRedis, testRedis, waitFor } from '@flash/testing'
import { okAsync } from 'neverthrow'
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

describe('poison events', () => {
  // One key prefix for the file (each test names its own keys under it), deleted at the end.
  let r: TestRedis
  beforeAll(async () => {
    r = await testRedis()
  })
  afterAll(() => r[Symbol.asyncDispose]())

  it('dead-letters a poison event after maxDeliveries while the events behind it are handled', async () => {
    const keys = keysOf(r, 'poison')
    const ids = await addNumbers(r.redis, keys.stream, range(1, 10))
    // Any call that contains 4 fails, as a bad row fails a whole INSERT.
    const handler = recorder((events) => events.some((event) => event.n === 4))
    await using consumer = startTestConsumer(r, {
      ...keys,
      handle: handler.handle,
      batchSize: 3,
      maxDeliveries: 3,
    })

    await waitFor(() => handler.handled.length === 9 || undefined, { what: 'nine good events' })
    await waitFor(async () => (await pendingCount(r.redis, keys.stream, 'g')) === 0, {
      what: 'nothing pending',
    })
    expect(sorted(handler.handled)).toEqual([1, 2, 3, 5, 6, 7, 8, 9, 10])
    // Delivery 1 as part of [4, 5, 6] and then alone; deliveries 2 and 3 alone.
    expect(handler.calls.filter((call) => call.includes(4))).toEqual([[4, 5, 6], [4], [4], [4]])
    expect(await readDeadLetters(r.redis, keys.deadLetterStream)).toEqual([
      {
        stream: keys.stream,
        group: 'g',
        consumer: 'c1',
        id: ids[3] as string,
        kind: 'poison',
        reason: 'refused 4',
        deliveries: 3,
        fields: { n: '4' },
      },
    ])
    expect(consumer.counters()).toEqual({ handled: 9, failed: 2, deadLettered: 1, claimed: 0 })
  })

  it('keeps handling events written after a poison event was dead-lettered', async () => {
    const keys = keysOf(r, 'after')
    await addNumbers(r.redis, keys.stream, [1, 666, 2])
    const handler = recorder((events) => events.some((event) => event.n === 666))
    await using _consumer = startTestConsumer(r, {
      ...keys,
      handle: handler.handle,
      maxDeliveries: 2,
    })

    await waitFor(async () => (await r.redis.xlen(keys.deadLetterStream)) === 1, {
      what: 'the poison event dead-lettered',
    })
    await addNumbers(r.redis, keys.stream, [3, 4])
    await waitFor(() => handler.handled.length === 4 || undefined, { what: 'every good event' })
    expect(sorted(handler.handled)).toEqual([1, 2, 3, 4])
    await waitFor(async () => (await pendingCount(r.redis, keys.stream, 'g')) === 0, {
      what: 'nothing pending',
    })
  })
  it('never charges a delivery for a failure the caller calls transient', async () => {
    const keys = keysOf(r, 'outage')
    await addNumbers(r.redis, keys.stream, range(1, 4))
    let outage = true
    const handler = recorder(() => outage)
    await using consumer = startTestConsumer(r, {
      ...keys,
      handle: handler.handle,
      maxDeliveries: 2,
      isTransient: (error) => error.message.startsWith('refused'),
    })

    // Far more failed batches than maxDeliveries allows, none of them one by one.
    await waitFor(() => handler.calls.length >= 6 || undefined, { what: 'six failed batches' })
    expect(handler.calls.every((call) => call.length === 4)).toBe(true)
    const [[, , , deliveries]] = (await r.redis.xpending(keys.stream, 'g', '-', '+', 1)) as [
      [string, string, number, number],
    ]
    expect(deliveries).toBeLessThanOrEqual(1)

    outage = false
    await waitFor(() => handler.handled.length === 4 || undefined, { what: 'the batch handled' })
    await waitFor(async () => (await pendingCount(r.redis, keys.stream, 'g')) === 0, {
      what: 'nothing pending',
    })
    expect(await r.redis.xlen(keys.deadLetterStream)).toBe(0)
    expect(consumer.counters().deadLettered).toBe(0)
  })
  it('isolates an event that makes the handler throw, like one it returns an error for', async () => {
    const keys = keysOf(r, 'throws')
    await addNumbers(r.redis, keys.stream, [1, 2, 3])
    const handled: number[] = []
    await using _consumer = startTestConsumer(r, {
      ...keys,
      maxDeliveries: 2,
      handle: (batch) => {
        if (batch.some(({ event }) => event.n === 2)) throw new TypeError('cannot read n of 2')
        handled.push(...batch.map(({ event }) => event.n))
        return okAsync(undefined)
      },
    })

    await waitFor(async () => (await r.redis.xlen(keys.deadLetterStream)) === 1, {
      what: 'the throwing event dead-lettered',
    })
    await waitFor(async () => (await pendingCount(r.redis, keys.stream, 'g')) === 0, {
      what: 'nothing pending',
    })
    expect(handled).toEqual([1, 3])
    const [letter] = await readDeadLetters(r.redis, keys.deadLetterStream)
    expect(letter).toMatchObject({ kind: 'poison', reason: 'cannot read n of 2', deliveries: 2 })
  })
})
