import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type TestRedis, testRedis } from '@flash/testing'
import { trimAcknowledged } from '../src/index.ts'
import { addNumbers, keysOf, range } from './support.ts'

const firstId = async (redis: import('@flash/redis').RedisClient, stream: string) =>
  ((await redis.xrange(stream, '-', '+', 'COUNT', 1))[0]?.[0] as string | undefined) ?? null

describe('trimAcknowledged', () => {
  // One key prefix for the file (each test names its own keys under it), deleted at the end.
  let r: TestRedis
  beforeAll(async () => {
    r = await testRedis()
  })
  afterAll(() => r[Symbol.asyncDispose]())

  it('trims only below the oldest entry that a lagging group has not acknowledged', async () => {
    const { stream } = keysOf(r, 'trim')
    await r.redis.xgroup('CREATE', stream, 'fast', '0', 'MKSTREAM')
    await r.redis.xgroup('CREATE', stream, 'slow', '0')
    const ids = await addNumbers(r.redis, stream, range(0, 9))
    await r.redis.xreadgroup('GROUP', 'fast', 'f', 'COUNT', 10, 'STREAMS', stream, '>')
    await r.redis.xack(stream, 'fast', ...ids)
    // slow read 0..4 and acknowledged 0, 1, 2 and 4: 3 is pending, 5..9 never delivered.
    await r.redis.xreadgroup('GROUP', 'slow', 's', 'COUNT', 5, 'STREAMS', stream, '>')
    await r.redis.xack(
      stream,
      'slow',
      ids[0] as string,
      ids[1] as string,
      ids[2] as string,
      ids[4] as string,
    )

    expect(await trimAcknowledged(r.redis, stream)).toBe(3)
    expect(await firstId(r.redis, stream)).toBe(ids[3] as string)
    expect(await trimAcknowledged(r.redis, stream)).toBe(0)

    // Once 3 is acknowledged, the floor is the first entry slow has not been given.
    await r.redis.xack(stream, 'slow', ids[3] as string)
    expect(await trimAcknowledged(r.redis, stream)).toBe(2)
    expect(await firstId(r.redis, stream)).toBe(ids[5] as string)
  })

  it('trims nothing while a group has read nothing, or when the stream has no group', async () => {
    const { stream } = keysOf(r, 'untouched')
    await addNumbers(r.redis, stream, range(1, 3))
    expect(await trimAcknowledged(r.redis, stream)).toBe(0)

    await r.redis.xgroup('CREATE', stream, 'done', '$')
    await r.redis.xgroup('CREATE', stream, 'new', '0')
    expect(await trimAcknowledged(r.redis, stream)).toBe(0)
    expect(await r.redis.xlen(stream)).toBe(3)
    expect(await trimAcknowledged(r.redis, `${r.prefix}missing`)).toBe(0)
  })

  it('trims everything every group has acknowledged, up to the last entry', async () => {
    const { stream } = keysOf(r, 'all')
    await r.redis.xgroup('CREATE', stream, 'only', '0', 'MKSTREAM')
    const ids = await addNumbers(r.redis, stream, range(1, 4))
    await r.redis.xreadgroup('GROUP', 'only', 'c', 'STREAMS', stream, '>')
    await r.redis.xack(stream, 'only', ...ids)

    expect(await trimAcknowledged(r.redis, stream)).toBe(4)
    const [next] = await addNumbers(r.redis, stream, [5])
    expect(await firstId(r.redis, stream)).toBe(next as string)
  })
})
