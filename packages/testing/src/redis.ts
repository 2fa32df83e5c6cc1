import { defaults } from '@flash/config'
import {
  connectRedis,
  type KeySpace,
  keySpace,
  markFreshKeySpace,
  type RedisClient,
  scanKeys,
  unlinkEach,
} from '@flash/redis'

export type TestRedis = {
  url: string
  redis: RedisClient
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
      // Every master of a cluster, and one UNLINK per key: a test's keys span slots.
      for await (const { node, keys } of scanKeys(redis, `${prefix}*`)) await unlinkEach(node, keys)
      redis.disconnect()
    },
  }
}
