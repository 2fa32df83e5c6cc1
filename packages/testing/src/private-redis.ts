import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { durableRedisArgs, freePort, probeRedis } from '@flash/devstack'
import { waitFor } from './wait-for.ts'

export type PrivateRedis = {
  url: string
  /** SIGKILL, then a server on the same port and folder: what it kept (its AOF) comes back. */
  restart: () => Promise<void>
  /** SIGKILL, then a server on the same port with nothing in its folder: Redis back empty. */
  restartEmpty: () => Promise<void>
  /** A copy of the data folder as it is now (with `appendfsync: 'always'`, exactly the state now). */
  snapshot: () => string
  /** SIGKILL, then a server on the same port from a `snapshot`: a restore, or a lagging replica. */
  restartFrom: (copy: string) => Promise<void>
  [Symbol.asyncDispose]: () => Promise<void>
}

/**
 * A redis-server of the test's own, on a free port that stays the same
 * across restarts, so the clients connected to it reconnect by themselves,
 * as they would to a production Redis that restarts. The shared Redis is
 * never restarted or flushed. With `appendfsync`, the project's durable
 * settings (`durableRedisArgs`); with `'off'`, no persistence at all.
 *
 * @example
 * await using server = await privateRedis({ appendfsync: 'always' })
 * await server.restartEmpty()
 */
export async function privateRedis(
  options: { appendfsync: 'always' | 'everysec' | 'off' } = { appendfsync: 'off' },
): Promise<PrivateRedis> {
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  const dir = mkdtempSync(join(tmpdir(), 'private-redis-'))
  const persistence =
    options.appendfsync === 'off'
      ? ['--appendonly', 'no', '--save', '', '--maxmemory-policy', 'noeviction']
      : durableRedisArgs(options.appendfsync)
  const start = async () => {
    const child = Bun.spawn(
      ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...persistence],
      { stdio: ['ignore', 'ignore', 'ignore'] },
    )
    await waitFor(async () => (await probeRedis(url, 500)).ok || undefined, {
      what: `redis-server on port ${port}`,
    })
    return child
  }
  let server = await start()
  const kill = async () => {
    server.kill('SIGKILL')
    await server.exited
  }
  const emptyDir = () => {
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir)
  }
  return {
    url,
    async restart() {
      await kill()
      server = await start()
    },
    async restartEmpty() {
      await kill()
      emptyDir()
      server = await start()
    },
    snapshot() {
      const copy = mkdtempSync(join(tmpdir(), 'private-redis-copy-'))
      cpSync(dir, copy, { recursive: true })
      return copy
    },
    async restartFrom(copy) {
      await kill()
      emptyDir()
      cpSync(copy, dir, { recursive: true })
      rmSync(copy, { recursive: true, force: true })
      server = await start()
    },
    async [Symbol.asyncDispose]() {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
