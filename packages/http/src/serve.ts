import type { AnyElysia } from 'elysia'
import { stopOnSignals } from './stop-on-signals.ts'

export type ServeOptions = {
  /** Shown in the "listening on" line (tests and `bun run start` read it). */
  name: string
  /** 0 lets the system choose; `url` says which it chose. */
  port: number
  host: string
  /**
   * Bun refuses larger bodies itself, with a bare 413. Set it well above the
   * app's own body limit (`service({ maxBodyBytes })`) so that a body just
   * over that limit still gets the API's 413 body. Bun's default when unset.
   */
  maxRequestBodySize?: number
  /** Runs before the app stops taking requests: ends what never finishes by itself (event streams). */
  beforeStop?: () => void
  /** Runs once the requests in hand have finished: closes what they used (Redis, MySQL). */
  onStop?: () => Promise<void> | void
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
 * signal again exits at once with 1).
 *
 * @example
 * serve(createCheckoutApp(config), {
 *   name: 'checkout',
 *   port: env.PORT,
 *   host: env.HOST,
 *   maxRequestBodySize: env.MAX_BODY_BYTES * 4,
 *   onStop: async () => {
 *     redis.disconnect()
 *     await close()
 *   },
 * })
 */
export function serve(app: AnyElysia, options: ServeOptions): Served {
  const log = options.log ?? ((line: string) => console.log(line))
  app.listen({
    port: options.port,
    hostname: options.host,
    ...(options.maxRequestBodySize === undefined
      ? {}
      : { maxRequestBodySize: options.maxRequestBodySize }),
  })
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
  const ignoreSignals = stopOnSignals(options.name, drain)
  return {
    url,
    stop: () => {
      ignoreSignals()
      return drain()
    },
  }
}
