import { describe, expect, it } from 'bun:test'
import { waitFor } from '@flash/testing'

const entry = new URL('../src/index.ts', import.meta.url).pathname

/** `bun src/index.ts` as `bun run start` runs it, with its stdout collected as it arrives. */
function spawnSandbox(env: Record<string, string>) {
  const child = Bun.spawn(['bun', entry], {
    env: { ...Bun.env, HOST: '127.0.0.1', PORT: '0', ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  let stdout = ''
  void (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) stdout += chunk
  })()
  return {
    child,
    stdout: () => stdout,
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await child.exited
    },
  }
}

describe('the sandbox process', () => {
  it('starts with the settings of its environment and stops on SIGTERM', async () => {
    await using sandbox = spawnSandbox({
      SANDBOX_DECLINE_RATE: '0.35',
      SANDBOX_LATENCY_MS: '3',
      SANDBOX_SEED: 'from-env',
    })
    const url = await waitFor(() => /listening on (http:\S+)/.exec(sandbox.stdout())?.[1], {
      timeoutMs: 10_000,
      what: 'the sandbox to listen',
    })

    expect(await (await fetch(`${url}/health`)).json()).toEqual({
      status: 'ok',
      service: 'sandbox',
    })
    expect(await (await fetch(`${url}/control`)).json()).toEqual({
      declineRate: 0.35,
      rejectRate: 0,
      lostAnswerRate: 0,
      latencyMs: 3,
      outage: false,
      seed: 'from-env',
      next: [],
    })
    sandbox.child.kill('SIGTERM')
    expect(await sandbox.child.exited).toBe(0)
  })

  it('refuses to start with a decline rate outside 0..1 and names the variable', async () => {
    await using sandbox = spawnSandbox({ SANDBOX_DECLINE_RATE: '1.5' })
    expect(await sandbox.child.exited).not.toBe(0)
    expect(await new Response(sandbox.child.stderr).text()).toContain(
      'SANDBOX_DECLINE_RATE must be a number from 0 to 1',
    )
  })
})
