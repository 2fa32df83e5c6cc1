import { waitFor } from '@flash/testing'

const repoRoot = new URL('../../../..', import.meta.url).pathname

export type SpawnedGateway = {
  /** `http://127.0.0.1:<port>`, the port the gateway chose. */
  url: string
  /** Every line it printed so far, stdout and stderr. */
  lines: string[]
  pid: number
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number>
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * Starts `apps/gateway/src/index.ts` as a real process in front of
 * `upstreams` (one URL for all three apps, or one each), on a port of its own
 * choosing, and keeps what it prints so a test can wait for a log line.
 *
 * @example
 * await using gateway = await spawnGateway(upstream.url, { BODY_TIMEOUT_MS: '300' })
 * await fetch(`${gateway.url}/products`)
 */
export async function spawnGateway(
  upstreams: string | { auth: string; catalog: string; checkout: string },
  env: Record<string, string> = {},
): Promise<SpawnedGateway> {
  const urls =
    typeof upstreams === 'string'
      ? { auth: upstreams, catalog: upstreams, checkout: upstreams }
      : upstreams
  const child = Bun.spawn(['bun', 'apps/gateway/src/index.ts'], {
    cwd: repoRoot,
    env: {
      ...Bun.env,
      HOST: '127.0.0.1',
      PORT: '0',
      AUTH_URL: urls.auth,
      CATALOG_URL: urls.catalog,
      CHECKOUT_URL: urls.checkout,
      // Revocation lookups find nothing under a prefix of their own.
      REDIS_PREFIX: `test-gateway-${crypto.randomUUID()}:`,
      ...env,
    },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const lines: string[] = []
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder()
    let pending = ''
    for await (const bytes of stream) {
      pending += decoder.decode(bytes, { stream: true })
      const complete = pending.split('\n')
      pending = complete.pop() ?? ''
      lines.push(...complete)
      // TEST_APP_LOGS=1 shows what the gateway prints, as spawnApp does.
      if (Bun.env.TEST_APP_LOGS) for (const line of complete) console.error(line)
    }
  }
  void collect(child.stdout)
  void collect(child.stderr)
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM')
    await child.exited
  }
  try {
    const url = await waitFor(
      () => {
        if (child.exitCode !== null)
          throw new Error(`the gateway exited with ${child.exitCode}: ${lines.join('\n')}`)
        return lines.map((line) => /gateway listening on (\S+)/.exec(line)?.[1]).find(Boolean)
      },
      { what: 'the gateway to listen', timeoutMs: 15_000 },
    )
    return { url, lines, pid: child.pid, exited: child.exited, [Symbol.asyncDispose]: stop }
  } catch (error) {
    await stop()
    throw error
  }
}
