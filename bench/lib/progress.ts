/**
 * Prints a progress line every second while a load runs, so a long run shows
 * it is alive and how it is going (units sold per second, say). On a terminal
 * the line rewrites itself; piped, each tick is its own line. `seconds` 0
 * means open-ended (a drain).
 *
 * @example
 * const ticker = startTicker('stampede', 10, async () => `sold ${await sold()}`)
 * await load
 * ticker.stop()
 */
export function startTicker(label: string, seconds: number, detail?: () => Promise<string>) {
  const started = performance.now()
  const tty = process.stdout.isTTY
  let busy = false
  const tick = async () => {
    if (busy) return
    busy = true
    const elapsed = (performance.now() - started) / 1000
    const clock = seconds
      ? `${Math.min(seconds, elapsed).toFixed(0)}/${seconds}`
      : elapsed.toFixed(0)
    const extra = detail ? await detail().catch((error) => `(${(error as Error).message})`) : ''
    const line = `  ${label.padEnd(22)} ${clock.padStart(6)} s  ${extra}`
    process.stdout.write(tty ? `\r\x1b[2K${line}` : `${line}\n`)
    busy = false
  }
  const timer = setInterval(tick, 1000)
  return {
    stop() {
      clearInterval(timer)
      if (tty) process.stdout.write('\r\x1b[2K')
    },
  }
}

/**
 * Counts up a number read every tick and says how fast it moved.
 *
 * @example
 * const rate = rateOf(async () => Number(await redis.xlen(stream)), 'orders')
 * startTicker('stampede', 10, rate) // "orders 31,200 (+10,400/s)"
 */
export function rateOf(read: () => Promise<number>, what: string): () => Promise<string> {
  let last: { value: number; at: number } | undefined
  return async () => {
    const value = await read()
    const at = performance.now()
    const previous = last
    last = { value, at }
    const total = `${what} ${value.toLocaleString('en-US')}`
    if (!previous) return total
    const perSecond = Math.round(((value - previous.value) * 1000) / (at - previous.at))
    return `${total} (${perSecond >= 0 ? '+' : ''}${perSecond.toLocaleString('en-US')}/s)`
  }
}
