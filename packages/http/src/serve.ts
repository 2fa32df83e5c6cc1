import type { AnyElysia } from 'elysia'
import { PORT_GROUP_PATH, type PortGroupAnswer, whoHoldsPort } from './port-group.ts'
import { stopOnSignals } from './stop-on-signals.ts'

export type ServeOptions = {
  /** Shown in the "listening on" line (tests and `bun run start` read it). */
  name: string
  /** 0 lets the system choose; `url` says which it chose. */
  port: number
  host: string
  /**
   * Bun refuses larger bodies itself, with a bare 413 and no error body.
   * Unset, Bun never does: `service({ maxBodyBytes })` refuses a body over
   * the app's limit with the API's 413, by its Content-Length before reading
   * it, or by counting a chunked one as it arrives, and closes the connection.
   */
  maxRequestBodySize?: number
  /** Runs before the app stops taking requests: ends what never finishes by itself (event streams). */
  beforeStop?: () => void
  /** Runs once the requests in hand have finished: closes what they used (Redis, MySQL). */
  onStop?: () => Promise<void> | void
  /**
   * false when another app in the same process stops this one from its own
   * `onStop` (the gateway with the apps it runs in its process): one drain
   * per signal, in order.
   */
  signals?: boolean
  /**
   * Share the port with the other processes of the same service and
   * `group` (SO_REUSEPORT: the kernel spreads connections among them).
   * `bun run start` draws a group id per run and passes it as
   * REUSE_PORT_GROUP. Before listening the process asks the port's
   * `GET /health/group` (which it then answers itself): it listens only if
   * the port is free or held by its own service and group, and otherwise
   * exits with 1 saying who holds it. Unset or blank (REUSE_PORT_GROUP's
   * default), a taken port is refused by the system, and the process exits
   * with 1 saying so too.
   */
  portGroup?: string
  log?: (line: string) => void
}

export type Served = {
  /** `http://host:port`, with the port actually bound. */
  url: string
  /**
   * What the first SIGINT or SIGTERM does, without exiting the process:
   * `beforeStop`, then `app.stop()` (the requests in hand finish), then
   * `onStop`. Calling it again returns the same promise.
   */
  stop: () => Promise<void>
}

/**
 * Starts an app the way every app's `index.ts` does: listens, prints
 * `<name> listening on http://host:port`, and stops on SIGINT or SIGTERM
 * (see `stopOnSignals`: the first signal drains and exits with 0, the same
 * signal again exits at once with 1). A port it may not have (taken by
 * another program, or by another port group) ends the process
 * with 1 and one line saying which port and who holds it: a process
 * without its port has nothing to do, and its supervisor logs the exit.
 *
 * @example
 * await serve(createCheckoutApp(config), {
 *   name: 'checkout',
 *   port: env.PORT,
 *   host: env.HOST,
 *   onStop: async () => {
 *     redis.disconnect()
 *     await close()
 *   },
 * })
 */
export async function serve(app: AnyElysia, options: ServeOptions): Promise<Served> {
  const log = options.log ?? ((line: string) => console.log(line))
  const refuse = (reason: string): never => {
    console.error(`${options.name} cannot listen on ${options.host}:${options.port}: ${reason}`)
    return process.exit(1)
  }
  const group = options.portGroup || undefined
  if (group !== undefined) {
    const own: PortGroupAnswer = { service: options.name, group }
    app.get(PORT_GROUP_PATH, () => own)
    // Port 0 is a new port each time: there is nothing to share or to ask.
    const holder =
      options.port === 0
        ? { kind: 'free' as const }
        : await whoHoldsPort(options.host, options.port, own)
    if (holder.kind === 'other')
      return refuse(
        `the port is held by ${holder.what}; only ${options.name} processes of group "${group}" may share it`,
      )
  }
  // Elysia finds a request's path by skipping 11 characters of its URL
  // (`http://a.bc`) unless told otherwise: with `Host: x` that skips into the
  // path, and `/ab/orders` is routed as `/orders`. Read at compile time, by
  // the app that listens (not by plugins), so it is set here.
  app.config.handler = { ...app.config.handler, standardHostname: false }
  try {
    app.listen({
      port: options.port,
      hostname: options.host,
      maxRequestBodySize: options.maxRequestBodySize ?? Number.POSITIVE_INFINITY,
      reusePort: group !== undefined,
    })
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EADDRINUSE') throw error
    return refuse(
      group === undefined
        ? 'the port is already in use by another program (another `bun run start`, or this service already running?)'
        : 'the port is held by a program that does not share it (no SO_REUSEPORT)',
    )
  }
  const url = `http://${options.host}:${app.server?.port}`
  log(`${options.name} listening on ${url}`)

  let stopped: Promise<void> | undefined
  const drain = () => {
    stopped ??= (async () => {
      options.beforeStop?.()
      await app.stop()
      await options.onStop?.()
    })()
    return stopped
  }
  const ignoreSignals = options.signals === false ? () => {} : stopOnSignals(options.name, drain)
  return {
    url,
    stop: () => {
      ignoreSignals()
      return drain()
    },
  }
}
