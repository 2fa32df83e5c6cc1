import { waitFor } from '@flash/testing'

const repoRoot = new URL('../../../..', import.meta.url).pathname

/**
 * Runs a script that starts an app with `serve()` (an app's `index.ts`, or
 * a fixture) as a real process on a port of its own choosing, and resolves
 * with its URL once it says where it listens.
 *
 * @example
 * await using app = await spawnServed('apps/sandbox/src/index.ts')
 * await fetch(`${app.url}/health`)
 */
export async function spawnServed(script: string, env: Record<string, string> = {}) {
  const child = Bun.spawn(['bun', script], {
    cwd: repoRoot,
    env: { ...Bun.env, HOST: '127.0.0.1', PORT: '0', ...env },
    stdout: 'pipe',
    stderr: 'inherit',
  })
  let printed = ''
  void (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) printed += chunk
  })()
  const url = await waitFor(() => /listening on (http:\S+)/.exec(printed)?.[1], {
    timeoutMs: 10_000,
    what: `${script} to listen`,
  })
  return {
    url,
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await child.exited
    },
  }
}
