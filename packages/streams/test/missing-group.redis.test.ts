import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { connectRedis } from '@flash/redis'
import { privateRedis, type TestRedis, testRedis, waitFor } from '@flash/testing'
import { addNumbers, keysOf, pendingCount, range, recorder, startTestConsumer } from './support.ts'

/** The one line a consumer writes when it finds its group gone. */
const lost = (line: string) => line.includes('was missing')
/** What a consumer looping on the missing group would write. */
const looping = (line: string) => line.includes('NOGROUP') || line.includes('round failed')

describe('a consumer whose group Redis lost', () => {
  let r: TestRedis
  beforeAll(async () => {
    r = await testRedis()
  })
  afterAll(() => r[Symbol.asyncDispose]())

  it('recreates its group when the stream is deleted under it, handles the entries added after, and says so once', async () => {
    const keys = keysOf(r, 'deleted')
    await addNumbers(r.redis, keys.stream, [1, 2])
    const handler = recorder()
    await using consumer = startTestConsumer(r, { ...keys, handle: handler.handle })
    await waitFor(() => handler.handled.length === 2 || undefined, { what: 'the first entries' })

    // How an empty Redis looks to this consumer: no stream, so no group.
    await r.redis.del(keys.stream)
    await waitFor(() => consumer.lines.some(lost) || undefined, { what: 'the loss noticed' })
    await addNumbers(r.redis, keys.stream, [3, 4])
    await waitFor(() => handler.handled.length === 4 || undefined, {
      what: 'the entries added after',
    })
    await waitFor(async () => (await pendingCount(r.redis, keys.stream, 'g')) === 0, {
      what: 'nothing pending',
    })

    expect(handler.handled).toEqual([1, 2, 3, 4])
    expect({
      lost: consumer.lines.filter(lost).length,
      looping: consumer.lines.filter(looping),
    }).toEqual({ lost: 1, looping: [] })
  })

  it('delivers the entries its stream kept again, from the first, when only the group was lost', async () => {
    const keys = keysOf(r, 'older')
    await addNumbers(r.redis, keys.stream, range(1, 3))
    const handler = recorder()
    await using consumer = startTestConsumer(r, { ...keys, handle: handler.handle })
    await waitFor(() => handler.handled.length === 3 || undefined, { what: 'the first entries' })

    // A restore from a state older than the group: the entries are there, the group is not.
    await r.redis.xgroup('DESTROY', keys.stream, 'g')
    await addNumbers(r.redis, keys.stream, [4])
    await waitFor(() => handler.handled.length === 7 || undefined, {
      what: 'every entry delivered again, and the new one',
    })

    expect(handler.handled.toSorted((a, b) => a - b)).toEqual([1, 1, 2, 2, 3, 3, 4])
    expect({
      lost: consumer.lines.filter(lost).length,
      looping: consumer.lines.filter(looping),
    }).toEqual({ lost: 1, looping: [] })
  })

  it('goes on by itself after its Redis restarts empty, and says so once', async () => {
    await using server = await privateRedis()
    const redis = connectRedis(server.url, { name: 'missing-group-test' })
    const keys = { stream: 'restart:stream', deadLetterStream: 'restart:dead' }
    await addNumbers(redis, keys.stream, [1, 2])
    const handler = recorder()
    await using consumer = startTestConsumer({ ...r, redis }, { ...keys, handle: handler.handle })
    await waitFor(() => handler.handled.length === 2 || undefined, { what: 'the first entries' })

    await server.restartEmpty()
    await waitFor(() => consumer.lines.some(lost) || undefined, { what: 'the loss noticed' })
    await addNumbers(redis, keys.stream, [3, 4])
    await waitFor(() => handler.handled.length === 4 || undefined, {
      what: 'the entries added after',
    })
    await consumer.stop()
    redis.disconnect()

    expect(handler.handled).toEqual([1, 2, 3, 4])
    expect({
      lost: consumer.lines.filter(lost).length,
      nogroup: consumer.lines.filter((line) => line.includes('NOGROUP')),
    }).toEqual({ lost: 1, nogroup: [] })
  })
})
