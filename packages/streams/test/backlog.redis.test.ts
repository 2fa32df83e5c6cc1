import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type TestRedis, testRedis } from '@flash/testing'
import { type DeadLetter, jsonEntry, readBacklogs, writeDeadLetters } from '../src/index.ts'
import { keysOf } from './support.ts'

/** Entries added a minute ago (their ids carry the time they were added), numbered 1..count. */
async function addMinuteOld(r: TestRedis, stream: string, count: number): Promise<string[]> {
  const minuteAgo = Date.now() - 60_000
  const ids: string[] = []
  for (let n = 1; n <= count; n++)
    ids.push(
      (await r.redis.xadd(stream, `${minuteAgo}-${n}`, ...jsonEntry({ n: String(n) }))) as string,
    )
  return ids
}

const letter = (stream: string, group: string, id: string): DeadLetter => ({
  stream,
  group,
  consumer: 'c',
  id,
  kind: 'poison',
  reason: 'refused',
  deliveries: 5,
  fields: null,
})

describe('readBacklogs', () => {
  let r: TestRedis
  beforeAll(async () => {
    r = await testRedis()
  })
  afterAll(() => r[Symbol.asyncDispose]())

  it('reports each group’s pending entries, lag, oldest pending age and dead letters', async () => {
    const orders = keysOf(r, 'orders')
    const emails = keysOf(r, 'emails')
    await r.redis.xgroup('CREATE', orders.stream, 'writer', '0', 'MKSTREAM')
    await r.redis.xgroup('CREATE', orders.stream, 'audit', '0')
    await r.redis.xgroup('CREATE', emails.stream, 'mailer', '0', 'MKSTREAM')
    const ids = await addMinuteOld(r, orders.stream, 5)
    // Three delivered to the writer and never acknowledged; the audit group has read nothing.
    await r.redis.xreadgroup('GROUP', 'writer', 'c', 'COUNT', 3, 'STREAMS', orders.stream, '>')
    await writeDeadLetters(r.redis, orders.deadLetterStream, [
      letter(orders.stream, 'writer', ids[0] as string),
      letter(orders.stream, 'writer', ids[1] as string),
      letter(orders.stream, 'audit', ids[0] as string),
    ])

    const backlogs = await readBacklogs(r.redis, [orders.stream, emails.stream])
    const ages = backlogs.map((backlog) => backlog.oldestPendingAgeSeconds)
    expect(backlogs.map((backlog) => ({ ...backlog, oldestPendingAgeSeconds: 0 }))).toEqual([
      {
        stream: orders.stream,
        group: 'audit',
        pending: 0,
        lag: 5,
        oldestPendingAgeSeconds: 0,
        deadLettered: 1,
      },
      {
        stream: orders.stream,
        group: 'writer',
        pending: 3,
        lag: 2,
        oldestPendingAgeSeconds: 0,
        deadLettered: 2,
      },
      {
        stream: emails.stream,
        group: 'mailer',
        pending: 0,
        lag: 0,
        oldestPendingAgeSeconds: 0,
        deadLettered: 0,
      },
    ])
    // The writer's oldest pending entry was added a minute ago; nothing is pending elsewhere.
    expect(ages[0]).toBe(0)
    expect(ages[1]).toBeGreaterThanOrEqual(59)
    expect(ages[2]).toBe(0)
  })

  it('has no groups for a stream that does not exist, and a null lag where Redis cannot tell', async () => {
    const gone = keysOf(r, 'never-made')
    const holed = keysOf(r, 'holed')
    await r.redis.xgroup('CREATE', holed.stream, 'g', '0', 'MKSTREAM')
    const ids = await addMinuteOld(r, holed.stream, 4)
    await r.redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 1, 'STREAMS', holed.stream, '>')
    // A deletion inside the undelivered range leaves Redis 7 unable to compute the lag.
    await r.redis.xdel(holed.stream, ids[2] as string)

    const backlogs = await readBacklogs(r.redis, [gone.stream, holed.stream])
    expect(
      backlogs.map(({ stream, group, pending, lag }) => ({ stream, group, pending, lag })),
    ).toEqual([{ stream: holed.stream, group: 'g', pending: 1, lag: null }])
  })
})
