const SIGNALS = ['SIGINT', 'SIGTERM'] as const

/**
 * How every process of the service stops: the first SIGINT or SIGTERM runs
 * `stop` (finish the work in hand, close connections) and exits with 0, or
 * with 1 if `stop` fails. The same signal again exits at once with 1
 * ("now", as a second Ctrl-C means). The other signal after the first one
 * changes nothing: Ctrl-C in `bun run start` reaches every app as SIGINT and
 * is followed by the SIGTERM `start` sends them, and that must not cut the
 * drain short.
 *
 * Returns a function that removes the listeners again (for a stop that did
 * not come from a signal).
 *
 * @example
 * stopOnSignals('worker', async () => {
 *   await worker.stop()
 *   redis.disconnect()
 * })
 */
export function stopOnSignals(
  name: string,
  stop: () => Promise<void> | void,
  log: (line: string) => void = (line) => console.error(line),
): () => void {
  let first: NodeJS.Signals | undefined
  const listeners = SIGNALS.map((signal) => {
    const listener = () => {
      if (first === undefined) {
        first = signal
        Promise.resolve()
          .then(stop)
          .then(
            () => process.exit(0),
            (error: unknown) => {
              log(`${name} did not stop cleanly: ${describe(error)}`)
              process.exit(1)
            },
          )
      } else if (signal === first) process.exit(1)
    }
    process.on(signal, listener)
    return [signal, listener] as const
  })
  return () => {
    for (const [signal, listener] of listeners) process.off(signal, listener)
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error)
}
