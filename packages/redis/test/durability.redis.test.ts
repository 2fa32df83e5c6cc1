import { afterAll, describe, expect, it } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, startRedisServer } from '@flash/devstack'
import {
  checkRedisDurability,
  connectRedis,
  type DurabilityOptions,
  duplicateClient,
  RedisDurabilityError,
  requireDurableRedis,
} from '../src/index.ts'

// Private servers with the settings under test: the shared Redis is never reconfigured.
const scratch = mkdtempSync(join(tmpdir(), 'redis-durability-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const development: DurabilityOptions = { production: false, allowNoAof: false }
const production: DurabilityOptions = { production: true, allowNoAof: false }

/** A private redis-server started with `args` over the durable defaults, and a client of it. */
async function redisWith(args: string[] = []) {
  const server = await startRedisServer({ dir: mkdtempSync(join(scratch, 'server-')), args })
  const redis = connectRedis(server.url, { name: 'durability-test' })
  return {
    redis,
    async [Symbol.asyncDispose]() {
      redis.disconnect()
      await server.stop()
    },
  }
}

/** What checkRedisDurability concludes, as one plain value. */
async function verdict(args: string[], options: DurabilityOptions) {
  await using server = await redisWith(args)
  const result = await checkRedisDurability(server.redis, options)
  return result.isOk() ? { warnings: result.value } : { refused: result.error }
}

describe('checkRedisDurability', () => {
  it('has nothing to say about an append-only, never-evicting Redis, even in production', async () => {
    expect(await verdict([], production)).toEqual({ warnings: [] })
  })

  it('refuses every eviction policy but noeviction', async () => {
    const policies = ['allkeys-lru', 'volatile-ttl']
    const verdicts = []
    for (const policy of policies)
      verdicts.push(await verdict(['--maxmemory-policy', policy], development))
    expect(verdicts).toEqual([
      { refused: { type: 'Evicts', policy: 'allkeys-lru' } },
      { refused: { type: 'Evicts', policy: 'volatile-ttl' } },
    ])
  })

  it('warns about a Redis without an append-only file in development', async () => {
    expect(await verdict(['--appendonly', 'no'], development)).toEqual({
      warnings: [{ type: 'NoAof', allowed: false }],
    })
  })

  it('refuses a Redis without an append-only file in production unless the operator allows it', async () => {
    expect([
      await verdict(['--appendonly', 'no'], production),
      await verdict(['--appendonly', 'no'], { production: true, allowNoAof: true }),
    ]).toEqual([
      { refused: { type: 'NoAofInProduction' } },
      { warnings: [{ type: 'NoAof', allowed: true }] },
    ])
  })

  it('warns when the append-only file is never fsynced', async () => {
    expect(await verdict(['--appendfsync', 'no'], production)).toEqual({
      warnings: [{ type: 'NoFsync' }],
    })
  })

  it('warns instead of failing when Redis renames or forbids CONFIG', async () => {
    expect([
      await verdict(['--rename-command', 'CONFIG', ''], production),
      await verdict(
        ['--user', 'default', 'on', 'nopass', '~*', '&*', '+@all', '-config'],
        production,
      ),
    ]).toEqual([
      {
        warnings: [
          { type: 'ConfigUnreadable', reason: expect.stringContaining("unknown command 'config'") },
        ],
      },
      { warnings: [{ type: 'ConfigUnreadable', reason: expect.stringContaining('NOPERM') }] },
    ])
  })

  it('reports a Redis that does not answer as unreachable, not as misconfigured', async () => {
    const redis = connectRedis(`redis://127.0.0.1:${await freePort()}`, { failFast: true })
    const result = await checkRedisDurability(redis, development)
    redis.disconnect()
    expect(result.isErr() && result.error.type).toBe('Unreachable')
  })
})

describe('requireDurableRedis', () => {
  it('throws with the setting to change when Redis evicts', async () => {
    await using server = await redisWith(['--maxmemory-policy', 'allkeys-lru'])
    const error = await requireDurableRedis(server.redis, development).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RedisDurabilityError)
    expect(String(error)).toContain('CONFIG SET maxmemory-policy noeviction')
    expect(String(error)).toContain('maxmemory-policy noeviction` in redis.conf')
  })

  it('prints a warning once per process, however many connections check the same Redis', async () => {
    await using server = await redisWith(['--appendonly', 'no'])
    const second = duplicateClient(server.redis)
    const lines: string[] = []
    const warn = (line: string) => lines.push(line)
    await requireDurableRedis(server.redis, { ...development, warn })
    await requireDurableRedis(second, { ...development, warn })
    second.disconnect()
    expect(lines).toEqual([expect.stringContaining('keeps no append-only file (appendonly no)')])
  })
})
