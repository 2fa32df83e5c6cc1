import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type TestRedis, testRedis } from '@flash/testing'
import { ensureGroup, jsonEntry, waitedLongerThan } from '../src/index.ts'
import { keysOf } from './support.ts'

const MINUTE = 60_000

/** An entry whose id says it was added `ageMs` ago. */
async function addAged(r: TestRedis, stream: string, ageMs: number, seq = 0): Promise<string> {
  return (await r.redis.xadd(
    stream,
    `${Date.now() - ageMs}-${seq}`,
    ...jsonEntry({ n: '1' }),
  )) as string
}

describe('waitedLongerThan', () => {
  let r: TestRedis
  beforeAll(async () => {
    r = await testRedis()
  })
  afterAll(() => r[Symbol.asyncDispose]())

  it('is false for a stream that does not exist, and for one whose entries were all read in time', async () => {
    const { stream } = keysOf(r, 'none')
    const absent = await waitedLongerThan(r.redis, stream, 'g', MINUTE)
    await ensureGroup(r.redis, stream, 'g')
    await addAged(r, stream, 2 * MINUTE)
    await r.redis.xreadgroup('GROUP', 'g', 'c', 'STREAMS', stream, '>')
    const [id] = (await r.redis.xrange(stream, '-', '+')).map(([each]) => each)
    await r.redis.xack(stream, 'g', id as string)

    expect({ absent, read: await waitedLongerThan(r.redis, stream, 'g', MINUTE) }).toEqual({
      absent: false,
      read: false,
    })
  })

  it('sees an entry nobody has read for longer than the limit, and not a younger one', async () => {
    const old = keysOf(r, 'old').stream
    const young = keysOf(r, 'young').stream
    await ensureGroup(r.redis, old, 'g')
    await ensureGroup(r.redis, young, 'g')
    await addAged(r, old, 2 * MINUTE)
    await addAged(r, young, 1_000)

    expect({
      old: await waitedLongerThan(r.redis, old, 'g', MINUTE),
      young: await waitedLongerThan(r.redis, young, 'g', MINUTE),
    }).toEqual({ old: true, young: false })
  })

  it('counts every entry as waiting when the group does not exist yet', async () => {
    const { stream } = keysOf(r, 'no-group')
    await addAged(r, stream, 2 * MINUTE)

    expect(await waitedLongerThan(r.redis, stream, 'g', MINUTE)).toBe(true)
  })

  it('sees an entry delivered to a consumer that has not touched it since, by its idle time', async () => {
    const { stream } = keysOf(r, 'held')
    await ensureGroup(r.redis, stream, 'g')
    const id = await addAged(r, stream, 2 * MINUTE)
    await r.redis.xreadgroup('GROUP', 'g', 'dead-worker', 'STREAMS', stream, '>')
    // Delivered just now: held, but not for long.
    const fresh = await waitedLongerThan(r.redis, stream, 'g', MINUTE)
    // XCLAIM's IDLE sets how long ago the last delivery was, as if the consumer died then.
    await r.redis.call('XCLAIM', stream, 'g', 'dead-worker', 0, id, 'IDLE', 2 * MINUTE)

    expect({ fresh, abandoned: await waitedLongerThan(r.redis, stream, 'g', MINUTE) }).toEqual({
      fresh: false,
      abandoned: true,
    })
  })
})
