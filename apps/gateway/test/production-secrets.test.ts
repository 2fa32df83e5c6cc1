import { describe, expect, it } from 'bun:test'

const repoRoot = new URL('../../..', import.meta.url).pathname

describe('bun apps/gateway/src/index.ts in production', () => {
  it('refuses to start with the public development JWT_SECRET, and names the variable', async () => {
    const gateway = Bun.spawn(['bun', 'apps/gateway/src/index.ts'], {
      cwd: repoRoot,
      // A blank JWT_SECRET counts as unset: the development default applies.
      env: { ...Bun.env, NODE_ENV: 'production', JWT_SECRET: '', PORT: '0' },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    // Bounds the test if the guard were missing and the gateway started serving.
    const bound = setTimeout(() => gateway.kill(), 10_000)
    const [code, stderr] = await Promise.all([gateway.exited, new Response(gateway.stderr).text()])
    clearTimeout(bound)

    expect({ refused: code !== 0 && gateway.signalCode === null, stderr }).toMatchObject({
      refused: true,
      stderr: expect.stringContaining(
        'JWT_SECRET must be set to a secret of your own in production',
      ),
    })
  })
})
