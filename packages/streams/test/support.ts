import type { RedisClient } from '@flash/redis'
import type { TestRedis } from '@flash/testing'
import { err, ok, okAsync, type Result, ResultAsync } from 'neverthrow'
import { type ConsumerOptions, jsonEntry, startConsumer } from '../src/index.ts'

/** The test event: a number, so tests can name the good and the poison ones. */
export type Numbered = { n: number }

export const decodeNumbered = (fields: Record<string, string>): Result<Numbered, string> =>
  fields.n !== undefined && /^\d+$/.test(fields.n)
    ? ok({ n: Number(fields.n) })
    : err('n is not a number')

/**
 * Keys of one test under its file's random prefix, sharing a hash tag as a
 * partition's streams do (`streamKey`): on a cluster the consumer pipelines
 * the stream's keys with its dead letters'.
 */
export function keysOf(r: TestRedis, name: string) {
  return { stream: `${r.prefix}{${name}}:stream`, deadLetterStream: `${r.prefix}{${name}}:dead` }
}

export async function addNumbers(
  redis: RedisClient,
  stream: string,
  numbers: number[],
): Promise<string[]> {
  const ids: string[] = []
  for (const n of numbers)
    ids.push((await redis.xadd(stream, '*', ...jsonEntry({ n: String(n) }))) as string)
  return ids
}

export async function pendingCount(
  redis: RedisClient,
  stream: string,
  group: string,
): Promise<number> {
  const [count] = (await redis.xpending(stream, group)) as [number, ...unknown[]]
  return count
}

/**
 * A handler that records every event it succeeded on and every call it got;
 * `fails` decides, per call, whether that call fails.
 */
export function recorder(fails: (events: Numbered[]) => boolean = () => false) {
  const handled: number[] = []
  const calls: number[][] = []
  const handle: ConsumerOptions<Numbered>['handle'] = (batch) => {
    const events = batch.map((item) => item.event)
    calls.push(events.map((event) => event.n))
    if (fails(events))
      return ResultAsync.fromPromise(
        Promise.reject(new Error(`refused ${events.map((e) => e.n)}`)),
        (e) => e as Error,
      )
    handled.push(...events.map((event) => event.n))
    return okAsync(undefined)
  }
  return { handled, calls, handle }
}

/** A consumer with test-sized timings; every option can be overridden. */
export function startTestConsumer(
  r: TestRedis,
  options: Partial<ConsumerOptions<Numbered>> &
    Pick<ConsumerOptions<Numbered>, 'stream' | 'deadLetterStream' | 'handle'>,
) {
  const lines: string[] = []
  const consumer = startConsumer<Numbered>({
    redis: r.redis,
    group: 'g',
    consumer: 'c1',
    decode: decodeNumbered,
    blockMs: 50,
    retryDelayMs: 10,
    maxRetryDelayMs: 40,
    statsEveryMs: 0,
    log: (line) => lines.push(line),
    ...options,
  })
  return Object.assign(consumer, { lines, [Symbol.asyncDispose]: () => consumer.stop() })
}

/** Sorted copy, for comparing what was handled regardless of retries' order. */
export const sorted = (numbers: number[]) => [...new Set(numbers)].sort((a, b) => a - b)

export const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i)
