import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type TestRedis, testRedis, waitFor } from '@flash/testing'
import { addNumbers, keysOf, pendingCount, range } from './support.ts'

const fixture = new URL('./fixtures/stalling-consumer.ts', import.meta.url).pathname

/** The entries a consumer's output warned about as having gone down with the process. */
const warnedIds = (output: string) =>
  [...output.matchAll(/WARNING entry (\S+) delivered/g)].map((match) => match[1]).sort()

describe('a consumer process killed with entries in hand', () => {
  let r: TestRedis
  beforeAll(async () => {
    r = await testRedis()
  })
  afterAll(() => r[Symbol.asyncDispose]())

  /** The test's keys, and a way to start the fixture consumer on them. */
  function setUp(name: string) {
    const keys = keysOf(r, name)
    const lists = { calls: `${r.prefix}${name}:calls`, handled: `${r.prefix}${name}:handled` }
    // A Bun subprocess is killed on dispose: a failing test leaves no consumer behind.
    const start = (env: { HANDLER: 'stall' | 'succeed'; CRASH_ON?: string }) =>
      Bun.spawn([process.execPath, fixture], {
        env: {
          ...Bun.env,
          REDIS_URL: r.url,
          STREAM: keys.stream,
          DEAD_LETTER_STREAM: keys.deadLetterStream,
          CALLS: lists.calls,
          HANDLED: lists.handled,
          MAX_DELIVERIES: '3',
          ...env,
        },
        stdout: 'pipe',
        stderr: 'inherit',
      })
    const handled = async () =>
      (await r.redis.lrange(lists.handled, 0, -1)).map(Number).sort((a, b) => a - b)
    return { keys, lists, start, handled }
  }

  it('dead-letters nothing when killed eight times while its handler stalls, and handles every entry once when it can', async () => {
    const { keys, lists, start, handled } = setUp('killed')
    const ids = await addNumbers(r.redis, keys.stream, range(1, 5))

    for (let run = 1; run <= 8; run++) {
      const callsBefore = await r.redis.llen(lists.calls)
      await using child = start({ HANDLER: 'stall' })
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
    await using last = start({ HANDLER: 'succeed' })
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
      handled: await handled(),
      deadLetters: await r.redis.xlen(keys.deadLetterStream),
      warned: warnedIds(output),
    }).toEqual({ handled: range(1, 5), deadLetters: 0, warned: ids.toSorted() })
  })

  it('handles the entries read with one that kills the process every time, and leaves only that one pending, not dead-lettered', async () => {
    const { keys, start, handled } = setUp('crasher')
    const ids = await addNumbers(r.redis, keys.stream, range(1, 5))

    for (let run = 1; run <= 6 && (await handled()).length < 4; run++) {
      await using child = start({ HANDLER: 'succeed', CRASH_ON: '3' })
      await waitFor(
        async () =>
          child.exitCode !== null ||
          child.signalCode !== null ||
          (await r.redis.xlen(keys.deadLetterStream)) > 0,
        { what: `run ${run} to go down with entry 3` },
      )
    }

    const pending = (await r.redis.xpending(keys.stream, 'g', '-', '+', 10)) as [string][]
    expect({
      handled: await handled(),
      deadLetters: await r.redis.xlen(keys.deadLetterStream),
      pending: pending.map(([id]) => id),
    }).toEqual({ handled: [1, 2, 4, 5], deadLetters: 0, pending: [ids[2] as string] })
  })
})
