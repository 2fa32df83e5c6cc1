/**
 * Polls `check` until it returns a value other than `undefined`/`false`, or
 * throws after `timeoutMs`. Tests wait for conditions, never for time.
 *
 * @example
 * const count = await waitFor(async () => (await countOrders()) === 100 || undefined)
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 15_000, intervalMs = 20, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
      last = undefined
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`,
      )
    await Bun.sleep(intervalMs)
  }
}
