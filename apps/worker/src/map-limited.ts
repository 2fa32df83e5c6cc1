/**
 * `Promise.all(items.map(fn))` with at most `limit` calls in flight; results
 * keep the order of `items`. The first rejection rejects the whole, as
 * Promise.all does (calls already started are not cancelled).
 *
 * @example
 * const charges = await mapLimited(events, 64, (event) => charge(event))
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new Error('limit must be a positive integer')
  const results = new Array<R>(items.length)
  let next = 0
  const lane = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await fn(items[index] as T, index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
  return results
}
