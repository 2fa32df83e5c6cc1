import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RedisClient } from 'bun'
import {
  ensureRedis,
  ensureServices,
  freePort,
  parseAppendfsync,
  startRedisServer,
} from '../src/index.ts'

const scratch = mkdtempSync(join(tmpdir(), 'devstack-durable-'))
let folders = 0
/** A data folder no other test uses. */
const freshDir = () => join(scratch, `run-${++folders}`)

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true })
})

/** The three settings that decide what an acknowledged write survives. */
async function durabilityOf(url: string) {
  const client = new RedisClient(url)
  try {
    // Bun's client speaks RESP3, where CONFIG GET answers a map.
    const get = async (name: string) =>
      ((await client.send('CONFIG', ['GET', name])) as Record<string, string>)[name]
    return {
      appendonly: await get('appendonly'),
      appendfsync: await get('appendfsync'),
      maxmemoryPolicy: await get('maxmemory-policy'),
    }
  } finally {
    client.close()
  }
}

/** The pid Redis reports for itself, to SIGKILL it the way a crash would. */
async function pidOf(url: string): Promise<number> {
  const client = new RedisClient(url)
  try {
    const info = (await client.send('INFO', ['server'])) as string
    return Number(info.match(/process_id:(\d+)/)?.[1])
  } finally {
    client.close()
  }
}

describe('the Redis devstack starts', () => {
  test('keeps an append-only file fsynced every second and never evicts', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`
    const redis = await ensureRedis(url, { dataDir: freshDir() })
    try {
      expect(await durabilityOf(redis.url)).toEqual({
        appendonly: 'yes',
        appendfsync: 'everysec',
        maxmemoryPolicy: 'noeviction',
      })
    } finally {
      await redis.stop()
    }
  })

  test('fsyncs before every acknowledgement when REDIS_APPENDFSYNC says always', async () => {
    const services = await ensureServices({
      redisUrl: `redis://127.0.0.1:${await freePort()}`,
      databaseUrl: 'mysql://root@127.0.0.1:3306/test',
      dataDir: freshDir(),
      redisAppendfsync: parseAppendfsync('always'),
    })
    try {
      expect(await durabilityOf(services.redisUrl)).toEqual({
        appendonly: 'yes',
        appendfsync: 'always',
        maxmemoryPolicy: 'noeviction',
      })
    } finally {
      await services.stop()
    }
  })

  test('still holds what it acknowledged after a kill -9, when the next run starts on the same data', async () => {
    const dataDir = freshDir()
    const first = await ensureRedis(`redis://127.0.0.1:${await freePort()}`, { dataDir })
    const client = new RedisClient(first.url)
    await client.set('order:1', 'accepted')
    client.close()
    process.kill(await pidOf(first.url), 'SIGKILL')
    await first.stop()

    const second = await ensureRedis(`redis://127.0.0.1:${await freePort()}`, { dataDir })
    try {
      const reader = new RedisClient(second.url)
      expect(await reader.get('order:1')).toBe('accepted')
      reader.close()
    } finally {
      await second.stop()
    }
  })
})

describe('startRedisServer', () => {
  test('lets a test choose settings of its own over the durable ones', async () => {
    await using redis = await startRedisServer({
      dir: freshDir(),
      args: ['--maxmemory-policy', 'allkeys-lru', '--appendonly', 'no'],
    })
    expect(await durabilityOf(redis.url)).toEqual({
      appendonly: 'no',
      appendfsync: 'everysec',
      maxmemoryPolicy: 'allkeys-lru',
    })
  })

  test('refuses a data folder another live redis-server is writing', async () => {
    const dir = freshDir()
    await using _first = await startRedisServer({ dir })
    const error = await startRedisServer({ dir }).catch((e: unknown) => e)
    expect(String(error)).toContain('another redis-server')
  })

  test('starts again on a folder whose server was killed, from what it had written', async () => {
    const dir = freshDir()
    const first = await startRedisServer({ dir })
    const client = new RedisClient(first.url)
    await client.set('stock', '7')
    client.close()
    await first.crash()

    await using second = await startRedisServer({ dir })
    const reader = new RedisClient(second.url)
    expect(await reader.get('stock')).toBe('7')
    reader.close()
  })
})

describe('parseAppendfsync', () => {
  test('defaults to everysec and refuses anything but everysec or always', () => {
    expect([parseAppendfsync(undefined), parseAppendfsync(''), parseAppendfsync('always')]).toEqual(
      ['everysec', 'everysec', 'always'],
    )
    expect(() => parseAppendfsync('no')).toThrow(
      'REDIS_APPENDFSYNC must be "everysec" or "always", got "no"',
    )
  })
})
