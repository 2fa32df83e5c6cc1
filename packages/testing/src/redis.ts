import { defaults } from '@flash/config'
import { connectRedis, type KeySpace, keySpace, markFreshKeySpace } from '@flash/redis'
import type Redis from 'ioredis'

export type TestRedis = {
  url: string
  redis: Redis
  prefix: string
  space: KeySpace
  [Symbol.asyncDispose]: () => Promise<void>
}

/**
 * A Redis connection and a key prefix no other test uses; every key under the
 * prefix is deleted on dispose. The server comes from REDIS_URL. The prefix
 * is new, so nothing can have been lost under it: its partition is stamped
 * current (`markFreshKeySpace`) and the scripts decide at once, as after
 * the worker's first recovery. A test that uses more partitions under the
 * prefix stamps its own space the same way.
 *
 * @example
 * await using r = await testRedis()
 * await r.redis.get(offerKeys(r.space, offer).stock)
 */
export async function testRedis(): Promise<TestRedis> {
  const url = Bun.env.REDIS_URL ?? defaults.redisUrl
  const prefix = `t${crypto.randomUUID().slice(0, 8)}:`
  const redis = connectRedis(url, { name: 'test' })
  const space = keySpace(prefix)
  await markFreshKeySpace(redis, space)
  return {
    url,
    redis,
    prefix,
    space,
    async [Symbol.asyncDispose]() {
      const stream = redis.scanStream({ match: `${prefix}*`, count: 1000 })
      for await (const keys of stream as AsyncIterable<string[]>)
        if (keys.length) await redis.unlink(...keys)
      redis.disconnect()
    },
  }
}
