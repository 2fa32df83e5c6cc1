import { describe, expect, it } from 'bun:test'

const repoRoot = new URL('../../..', import.meta.url).pathname

describe('bun apps/gateway/src/index.ts in production', () => {
  /** Starts the gateway with `env` and says whether it refused to start, and what it printed. */
  async function start(env: Record<string, string>) {
    const gateway = Bun.spawn(['bun', 'apps/gateway/src/index.ts'], {
      cwd: repoRoot,
      env: { ...Bun.env, NODE_ENV: 'production', PORT: '0', ...env },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    // Bounds the test if the guard were missing and the gateway started serving.
    const bound = setTimeout(() => gateway.kill(), 10_000)
    const [code, stderr] = await Promise.all([gateway.exited, new Response(gateway.stderr).text()])
    clearTimeout(bound)
    return { refused: code !== 0 && gateway.signalCode === null, stderr }
  }

  it('refuses to start with the public development JWT_SECRET, and names the variable', async () => {
    // A blank JWT_SECRET counts as unset: the development default applies.
    expect(await start({ JWT_SECRET: '' })).toMatchObject({
      refused: true,
      stderr: expect.stringContaining(
        'JWT_SECRET must be set to a secret of your own in production',
      ),
    })
  })

  it('refuses to start with the public development SERVICE_TOKEN, and names the variable', async () => {
    expect(
      await start({ JWT_SECRET: 'a-production-secret-of-our-own-0123456789', SERVICE_TOKEN: '' }),
    ).toMatchObject({
      refused: true,
      stderr: expect.stringContaining(
        'SERVICE_TOKEN must be set to a secret of your own in production',
      ),
    })
  })
})
