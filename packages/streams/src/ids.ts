/**
 * Orders two stream ids numerically (`ms-seq`); string order is wrong as soon
 * as the millisecond parts differ in length.
 *
 * @example
 * compareIds('9-0', '10-0') // -1
 */
export function compareIds(a: string, b: string): -1 | 0 | 1 {
  const [aMs, aSeq] = parts(a)
  const [bMs, bSeq] = parts(b)
  if (aMs !== bMs) return aMs < bMs ? -1 : 1
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1
  return 0
}

/**
 * The smallest id greater than `id`: XTRIM MINID keeps entries >= its
 * argument, so this is the MINID that removes `id` itself and nothing after.
 *
 * @example
 * nextId('1700000000000-4') // '1700000000000-5'
 */
export function nextId(id: string): string {
  const [ms, seq] = parts(id)
  return `${ms}-${seq + 1n}`
}

function parts(id: string): [bigint, bigint] {
  const [ms = '0', seq = '0'] = id.split('-')
  // BigInt: the sequence part is a 64-bit counter, past Number's exact range.
  return [BigInt(ms), BigInt(seq)]
}
