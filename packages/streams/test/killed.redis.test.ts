import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type TestRedis, testRedis, waitFor } from '@flash/testing'
import { addNumbers, keysOf, pendingCount, range } from './support.ts'

const fixture = new URL('./fixtures/stalling-consumer.ts', import.meta.url).pathname

describe('a consumer process killed with entries in hand', () => {
  let r: TestRedis
  beforeAll(async () => {
    r = await testRedis()
  })
  afterAll(() => r[Symbol.asyncDispose]())

  it('dead-letters nothing when killed eight times while its handler stalls, and handles every entry once when it can', async () => {
    const keys = keysOf(r, 'killed')
    const lists = { calls: `${r.prefix}killed:calls`, handled: `${r.prefix}killed:handled` }
    await addNumbers(r.redis, keys.stream, range(1, 5))
    // A Bun subprocess is killed on dispose: a failing test leaves no consumer behind.
    const start = (handler: 'stall' | 'succeed') =>
      Bun.spawn([process.execPath, fixture], {
        env: {
          ...Bun.env,
          REDIS_URL: r.url,
          STREAM: keys.stream,
          DEAD_LETTER_STREAM: keys.deadLetterStream,
          CALLS: lists.calls,
          HANDLED: lists.handled,
          HANDLER: handler,
          MAX_DELIVERIES: '3',
        },
        stdout: handler === 'stall' ? 'ignore' : 'pipe',
        stderr: 'inherit',
      })

    for (let run = 1; run <= 8; run++) {
      const callsBefore = await r.redis.llen(lists.calls)
      await using child = start('stall')
      // Killed once its handler holds entries (or once it gave up on them).
      await waitFor(
        async () =>
          (await r.redis.llen(lists.calls)) > callsBefore ||
          (await r.redis.xlen(keys.deadLetterStream)) > 0,
        { what: `run ${run} to hand entries to its handler` },
      )
      child.kill('SIGKILL')
      await child.exited
    }
    await using last = start('succeed')
    await waitFor(
      async () =>
        ((await r.redis.llen(lists.handled)) >= 5 &&
          (await pendingCount(r.redis, keys.stream, 'g')) === 0) ||
        (await r.redis.xlen(keys.deadLetterStream)) > 0,
      { what: 'the last run to settle every entry' },
    )
    last.kill('SIGKILL')
    await last.exited
    const output = await new Response(last.stdout).text()

    expect({
      handled: (await r.redis.lrange(lists.handled, 0, -1)).map(Number).sort((a, b) => a - b),
      deadLetters: await r.redis.xlen(keys.deadLetterStream),
      warnings: output.split('\n').filter((line) => line.includes('WARNING')).length,
      afterEightDeaths: output.split('\n').filter((line) => line.includes('delivered 9 times'))
        .length,
    }).toEqual({ handled: range(1, 5), deadLetters: 0, warnings: 5, afterEightDeaths: 5 })
  })
})
