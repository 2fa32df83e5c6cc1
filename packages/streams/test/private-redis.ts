import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, probeRedis } from '@flash/devstack'
import { waitFor } from '@flash/testing'

/**
 * A redis-server of the test's own on a free port, keeping nothing, so the
 * test can restart it empty (the shared Redis is never restarted or flushed).
 */
export async function privateRedis() {
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  const dir = mkdtempSync(join(tmpdir(), 'streams-redis-'))
  const start = async () => {
    const server = Bun.spawn(
      ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', ''].concat([
        '--appendonly',
        'no',
        '--dir',
        dir,
      ]),
      { stdio: ['ignore', 'ignore', 'ignore'] },
    )
    await waitFor(async () => (await probeRedis(url, 500)).ok || undefined, {
      what: `redis-server on port ${port}`,
    })
    return server
  }
  const kill = async () => {
    server.kill('SIGKILL')
    await server.exited
  }
  let server = await start()
  return {
    url,
    /** SIGKILL, then a new server on the same port: what a Redis without persistence comes back as. */
    async restartEmpty() {
      await kill()
      server = await start()
    },
    async [Symbol.asyncDispose]() {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
