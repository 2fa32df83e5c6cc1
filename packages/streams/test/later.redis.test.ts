import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type TestRedis, testRedis, waitFor } from '@flash/testing'
import { okAsync } from 'neverthrow'
import type { ConsumerOptions } from '../src/index.ts'
import type { Numbered } from './support.ts'
import { addNumbers, keysOf, pendingCount, range, startTestConsumer } from './support.ts'

describe('a handler that leaves events for later', () => {
  let r: TestRedis
  beforeAll(async () => {
    r = await testRedis()
  })
  afterAll(() => r[Symbol.asyncDispose]())

  it('keeps them pending, uncounted, while the rest of the stream flows, and settles them once it can', async () => {
    const keys = keysOf(r, 'later')
    await addNumbers(r.redis, keys.stream, range(1, 5))
    // Event 3's outcome is unknown until `known` turns true (a payment whose answer was lost).
    let known = false
    const handled: number[] = []
    let offersOf3 = 0
    const handle: ConsumerOptions<Numbered>['handle'] = (batch) => {
      const later: string[] = []
      for (const { id, event } of batch) {
        if (event.n === 3) offersOf3++
        if (event.n === 3 && !known) later.push(id)
        else handled.push(event.n)
      }
      return okAsync({ later })
    }
    await using consumer = startTestConsumer(r, { ...keys, handle, maxDeliveries: 2 })

    await waitFor(() => handled.length === 4 || undefined, { what: 'the other four handled' })
    await addNumbers(r.redis, keys.stream, [6, 7])
    await waitFor(() => handled.includes(7) || undefined, { what: 'new entries behind it handled' })
    await waitFor(() => offersOf3 > 3 || undefined, {
      what: 'event 3 offered again, past maxDeliveries',
    })
    expect(await pendingCount(r.redis, keys.stream, 'g')).toBe(1)
    expect(await r.redis.xlen(keys.deadLetterStream)).toBe(0)

    known = true
    await waitFor(async () => (await pendingCount(r.redis, keys.stream, 'g')) === 0, {
      what: 'event 3 settled and acknowledged',
    })
    expect(handled.toSorted((a, b) => a - b)).toEqual(range(1, 7))
    expect(consumer.counters()).toMatchObject({ handled: 7, deadLettered: 0, failed: 0 })
  })
})
