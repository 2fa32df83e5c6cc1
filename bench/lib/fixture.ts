import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RedisClient } from '@flash/redis'
import { connectRedis, type KeySpace, keySpace, markFreshKeySpace } from '@flash/redis'
import {
  createBuyers,
  type TestDatabase,
  testDatabase,
  testRedis,
  testTokens,
} from '@flash/testing'

/**
 * A scenario's own data: a fresh migrated database with `buyers` buyers, a
 * key prefix of its own, and a file of one access token per buyer for wrk.
 *
 * @example
 * await using fixture = await prepareFixture({ buyers: 5000 })
 * fixture.tokensFile // '/tmp/bench-tokens-....txt'
 */
export type Fixture = {
  database: TestDatabase
  redis: { url: string; redis: RedisClient; prefix: string; space: KeySpace }
  buyers: string[]
  tokens: string[]
  tokensFile: string
  [Symbol.asyncDispose]: () => Promise<void>
}

/**
 * Buyers are inserted in bulk through @flash/testing (one password hash for
 * all) and tokens are signed directly: what is measured is ordering, not
 * signing up. `redisUrl` picks a private Redis (or Redis Cluster); the
 * default is REDIS_URL. `partitions` (private Redis only, default 1) is the
 * key space's partition count, REDIS_PARTITIONS for the apps.
 *
 * @example
 * await using fixture = await prepareFixture({ buyers: 2000, redisUrl: privateRedis.url })
 */
export async function prepareFixture(input: {
  buyers: number
  redisUrl?: string
  partitions?: number
}): Promise<Fixture> {
  if (!input.redisUrl && (input.partitions ?? 1) !== 1)
    throw new Error('partitions other than 1 need a private Redis (redisUrl)')
  const database = await testDatabase()
  const redis = input.redisUrl
    ? await privateSpace(input.redisUrl, input.partitions ?? 1)
    : await testRedis()
  const buyers = await createBuyers(database.db, input.buyers)
  const tokens = await Promise.all(
    buyers.map(async (id) => (await testTokens.signAccess({ id, role: 'buyer' })).token),
  )
  const tokensFile = join(tmpdir(), `bench-tokens-${process.pid}-${crypto.randomUUID()}.txt`)
  await Bun.write(tokensFile, `${tokens.join('\n')}\n`)
  return {
    database,
    redis,
    buyers,
    tokens,
    tokensFile,
    async [Symbol.asyncDispose]() {
      await Bun.file(tokensFile).delete()
      await (redis as Partial<AsyncDisposable>)[Symbol.asyncDispose]?.()
      await database[Symbol.asyncDispose]()
    },
  }
}

/**
 * A server the bench throws away afterwards needs no clean-up of its keys;
 * started empty for this run, it has nothing to recover from MySQL.
 */
async function privateSpace(url: string, partitions: number) {
  const prefix = 'bench:'
  const redis = connectRedis(url, { name: 'bench' })
  const space = keySpace(prefix, partitions)
  await markFreshKeySpace(redis, space)
  return {
    url,
    redis,
    prefix,
    space,
    async [Symbol.asyncDispose]() {
      redis.disconnect()
    },
  }
}
