import { type Child, spawnChild } from './child.ts'
import { freePort } from './free-port.ts'
import type { Which } from './service.ts'
import { waitUntil } from './wait.ts'

/**
 * How to start one kind of server and tell when it is ready.
 *
 * @example
 * const options: StartOptions = {
 *   name: 'redis-server', logFile, which, command, ready, timeoutMs: 10_000, graceMs: 5_000,
 * }
 */
export type StartOptions = {
  name: string
  logFile: string
  which: Which
  command: (port: number) => string[]
  /** Polled until true; must answer quickly (short probe timeouts). */
  ready: (port: number) => Promise<boolean>
  timeoutMs: number
  /** How long stop() waits after SIGTERM before SIGKILL. */
  graceMs: number
  /** Picks the port to try (default freePort); a cluster node needs its bus port free too. */
  pickPort?: () => Promise<number>
}

const attempts = 3

/**
 * Starts a server on a free 127.0.0.1 port and waits until `ready` says so.
 * The port can be taken between freePort() and the server's bind, so an
 * "Address already in use" start is retried on a new port.
 *
 * @example
 * const { child, port } = await startOnFreePort({
 *   name: 'redis-server', logFile, which: defaultWhich, timeoutMs: 10_000, graceMs: 5_000,
 *   command: (port) => ['redis-server', '--port', String(port)],
 *   ready: async (port) => (await probeRedis(`redis://127.0.0.1:${port}`)).ok,
 * })
 */
export async function startOnFreePort(
  options: StartOptions,
): Promise<{ child: Child; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await (options.pickPort ?? freePort)()
    const child = spawnChild(options.command(port), options)
    try {
      await waitUntil(() => options.ready(port), {
        what: `${options.name} on port ${port}`,
        timeoutMs: options.timeoutMs,
        abortIf: child.exitReason,
      })
      return { child, port }
    } catch (error) {
      await child.stop(options.graceMs)
      const tail = await child.logTail()
      if (attempt < attempts && tail.includes('Address already in use')) continue
      const message = error instanceof Error ? error.message : String(error)
      throw new Error(`${message}\n--- last lines of ${options.logFile} ---\n${tail}`)
    }
  }
}
