import { freePort } from '@flash/devstack'
import { spawnApp, waitFor } from '@flash/testing'

/**
 * Starts one of the apps as a real process on a free port and waits until it
 * answers `/health`. `restart()` starts it again on the same port (after a
 * kill), so a client that knows the address finds it back.
 *
 * @example
 * await using checkout = await startProcess('checkout', { DATABASE_URL, REDIS_PREFIX })
 * checkout.kill('SIGKILL'); await checkout.exited; await checkout.restart()
 */
export async function startProcess(app: string, env: Record<string, string>) {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const launch = async () => {
    const child = spawnApp(app, { ...env, PORT: String(port) })
    await waitFor(async () => (await fetch(`${url}/health`).catch(() => null))?.ok, {
      what: `${app} to answer /health`,
      timeoutMs: 30_000,
    })
    return child
  }
  let child = await launch()
  return {
    url,
    kill: (signal: NodeJS.Signals = 'SIGTERM') => child.kill(signal),
    get exited() {
      return child.exited
    },
    async restart() {
      child = await launch()
    },
    async [Symbol.asyncDispose]() {
      await child[Symbol.asyncDispose]()
    },
  }
}
