import type { Subprocess } from 'bun'
import { repoRoot } from './services.ts'

const COLORS = [36, 35, 33, 32, 34, 31]

/** A child app whose output lines are prefixed with its name, as in `docker compose up`. */
export type App = { name: string; process: Subprocess }

/**
 * Starts `bun apps/<name>/src/index.ts` (or any script) with its output prefixed.
 *
 * @example
 * const checkout = startApp('checkout', ['bun', 'apps/checkout/src/index.ts'], env, 0)
 */
export function startApp(
  name: string,
  command: string[],
  env: Record<string, string>,
  index: number,
): App {
  const child = Bun.spawn(command, {
    cwd: repoRoot,
    env: { ...Bun.env, ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const label = `\x1b[${COLORS[index % COLORS.length]}m${name.padEnd(10)}\x1b[0m|`
  void pipeLines(child.stdout, (line) => console.log(`${label} ${line}`))
  void pipeLines(child.stderr, (line) => console.error(`${label} ${line}`))
  return { name, process: child }
}

/**
 * Runs a one-off command to completion and returns its stdout; fails loudly with its output.
 *
 * @example
 * const out = await runToEnd(['bun', 'apps/catalog/src/seed.ts'], env)
 */
export async function runToEnd(command: string[], env: Record<string, string>): Promise<string> {
  const child = Bun.spawn(command, {
    cwd: repoRoot,
    env: { ...Bun.env, ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  if (code !== 0) throw new Error(`${command.join(' ')} exited ${code}\n${stdout}${stderr}`)
  return stdout
}

async function pipeLines(stream: ReadableStream<Uint8Array>, write: (line: string) => void) {
  const decoder = new TextDecoder()
  let buffer = ''
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true })
    let newline = buffer.indexOf('\n')
    while (newline >= 0) {
      write(buffer.slice(0, newline))
      buffer = buffer.slice(newline + 1)
      newline = buffer.indexOf('\n')
    }
  }
  if (buffer) write(buffer)
}

/**
 * Polls `url` until it answers 2xx, or throws after `timeoutMs`.
 *
 * @example
 * await waitUntilUp('http://127.0.0.1:3003/health')
 */
export async function waitUntilUp(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(500) }).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return
    await Bun.sleep(100)
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`)
}
