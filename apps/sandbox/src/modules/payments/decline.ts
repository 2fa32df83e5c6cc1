import { createHash } from 'node:crypto'

/**
 * Whether the provider declines this order. With a seed the answer is a pure
 * function of (seed, orderId): a test knows the exact count in advance and
 * gets the same one on every run and machine. SHA-256 rather than Bun.hash
 * because its output is fixed by a standard, not by the runtime version.
 *
 * @example
 * declines('order-1', { declineRate: 0.2, seed: 'test' }) // same answer every time
 * declines('order-1', { declineRate: 0.2, seed: '' })     // a fresh coin toss
 */
export function declines(
  orderId: string,
  { declineRate, seed }: { declineRate: number; seed: string },
  random: () => number = Math.random,
): boolean {
  const draw = seed === '' ? random() : unitInterval(`${seed}:${orderId}`)
  return draw < declineRate
}

/** The first 48 bits of SHA-256 as a number in [0, 1): uniform enough, exact in a double. */
function unitInterval(text: string): number {
  return createHash('sha256').update(text).digest().readUIntBE(0, 6) / 2 ** 48
}
