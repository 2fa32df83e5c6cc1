import { describe, expect, it } from 'bun:test'
import { freePort } from '@flash/devstack'
import { waitFor } from '@flash/testing'

const repoRoot = new URL('../../..', import.meta.url).pathname

/**
 * The fixture app served by `serve()` as a real process on `port`, with
 * REUSE_PORT_GROUP set to `group` (blank: no port group).
 */
function servedProcess(port: number, group: string, env: Record<string, string> = {}) {
  const child = Bun.spawn(['bun', 'packages/http/test/support/served-app.ts'], {
    cwd: repoRoot,
    env: { ...Bun.env, HOST: '127.0.0.1', PORT: String(port), REUSE_PORT_GROUP: group, ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  let output = ''
  const collected = Promise.all(
    [child.stdout, child.stderr].map(async (stream) => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) output += chunk
    }),
  )
  return {
    output: () => output,
    /** The exit code and everything it printed, once it has ended by itself. */
    ended: async () => {
      const code = await child.exited
      await collected
      return { code, output: output.trim() }
    },
    listening: () =>
      waitFor(() => output.includes('listening on'), { timeoutMs: 10_000, what: 'listening' }),
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await child.exited
    },
  }
}

/** The pids that answer on `port` over fresh connections, once `count` different ones have. */
async function answeringPids(port: number, count: number): Promise<number[]> {
  const seen = new Set<number>()
  await waitFor(
    async () => {
      const response = await fetch(`http://127.0.0.1:${port}/pid`, { keepalive: false })
      seen.add(((await response.json()) as { pid: number }).pid)
      return seen.size >= count
    },
    { timeoutMs: 10_000, intervalMs: 1, what: `${count} processes answering on the port` },
  )
  return [...seen]
}

describe('serve() with a port group', () => {
  it('lets two processes of the same service and group share a port, and both answer', async () => {
    const port = await freePort()
    await using first = servedProcess(port, 'g1')
    await first.listening()
    await using second = servedProcess(port, 'g1')
    await second.listening()

    const pids = await answeringPids(port, 2)
    const group = await (await fetch(`http://127.0.0.1:${port}/health/group`)).json()

    expect({ pids: pids.length, group }).toEqual({
      pids: 2,
      group: { service: 'served', group: 'g1' },
    })
  })

  it('refuses a port held by the same service of another group (another `bun run start`), with exit code 1', async () => {
    const port = await freePort()
    await using holder = servedProcess(port, 'first-run')
    await holder.listening()

    const refused = await servedProcess(port, 'second-run').ended()

    expect(refused).toEqual({
      code: 1,
      output: `served cannot listen on 127.0.0.1:${port}: the port is held by served of group "first-run" (another service or another \`bun run start\`); only served processes of group "second-run" may share it`,
    })
  })

  it('refuses a port held by another service of the same group', async () => {
    const port = await freePort()
    await using holder = servedProcess(port, 'g1', { SERVICE_NAME: 'gateway' })
    await holder.listening()

    const refused = await servedProcess(port, 'g1').ended()

    expect(refused).toEqual({
      code: 1,
      output: expect.stringContaining('the port is held by gateway of group "g1"'),
    })
  })

  it('refuses a port held by a server with SO_REUSEPORT that is not in a group', async () => {
    const port = await freePort()
    using server = Bun.serve({
      hostname: '127.0.0.1',
      port,
      reusePort: true,
      fetch: () => new Response('not found', { status: 404 }),
    })

    const refused = await servedProcess(port, 'g1').ended()

    expect({ refused, stillServing: (await fetch(server.url)).status }).toEqual({
      refused: {
        code: 1,
        output: `served cannot listen on 127.0.0.1:${port}: the port is held by a server that is not one of ours with a port group (GET /health/group answered 404); only served processes of group "g1" may share it`,
      },
      stillServing: 404,
    })
  })

  it('refuses a port held by a server without SO_REUSEPORT that answers as a member would', async () => {
    const port = await freePort()
    using _server = Bun.serve({
      hostname: '127.0.0.1',
      port,
      fetch: () => Response.json({ service: 'served', group: 'g1' }),
    })

    const refused = await servedProcess(port, 'g1').ended()

    expect(refused).toEqual({
      code: 1,
      output: `served cannot listen on 127.0.0.1:${port}: the port is held by a program that does not share it (no SO_REUSEPORT)`,
    })
  })

  it('refuses a port that does not answer HTTP at all', async () => {
    const port = await freePort()
    // Asked before binding: what listens there is refused for its silence, before any bind fails.
    const silent = Bun.listen({
      hostname: '127.0.0.1',
      port,
      socket: {
        data: (socket) => {
          socket.end()
        },
      },
    })
    try {
      const refused = await servedProcess(port, 'g1').ended()
      expect(refused).toEqual({
        code: 1,
        output: expect.stringContaining('the port is held by a program that gave no HTTP answer'),
      })
    } finally {
      silent.stop(true)
    }
  })
})

describe('serve() without a port group', () => {
  it('exits with 1 and says the port is in use when a plain server holds it', async () => {
    const port = await freePort()
    using _server = Bun.serve({ hostname: '127.0.0.1', port, fetch: () => new Response('x') })

    const refused = await servedProcess(port, '').ended()

    expect(refused).toEqual({
      code: 1,
      output: `served cannot listen on 127.0.0.1:${port}: the port is already in use by another program (another \`bun run start\`, or this service already running?)`,
    })
  })

  it('exits with 1 when a server with SO_REUSEPORT holds it: only a group shares a port', async () => {
    const port = await freePort()
    using _server = Bun.serve({
      hostname: '127.0.0.1',
      port,
      reusePort: true,
      fetch: () => new Response('x'),
    })

    const refused = await servedProcess(port, '').ended()

    expect(refused.code).toBe(1)
  })
})
