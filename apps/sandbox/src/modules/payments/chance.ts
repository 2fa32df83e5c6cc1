import { createHash } from 'node:crypto'

/**
 * Whether a random event (`what`: a decline, a lost answer, ...) happens to
 * this order at this rate. With a seed the answer is a pure function of
 * (seed, what, orderId): a test knows the exact count in advance and gets the
 * same one on every run and machine. SHA-256 rather than Bun.hash because its
 * output is fixed by a standard, not by the runtime version.
 *
 * @example
 * happens('decline', 'order-1', 0.2, 'test') // same answer every time
 * happens('decline', 'order-1', 0.2, '')     // a fresh coin toss
 */
export function happens(
  what: string,
  orderId: string,
  rate: number,
  seed: string,
  random: () => number = Math.random,
): boolean {
  if (rate <= 0) return false
  // Each kind of event draws from its own text, so the draws are independent.
  const text = what === 'decline' ? `${seed}:${orderId}` : `${seed}:${what}:${orderId}`
  const draw = seed === '' ? random() : unitInterval(text)
  return draw < rate
}

/** The first 48 bits of SHA-256 as a number in [0, 1): uniform enough, exact in a double. */
function unitInterval(text: string): number {
  return createHash('sha256').update(text).digest().readUIntBE(0, 6) / 2 ** 48
}
