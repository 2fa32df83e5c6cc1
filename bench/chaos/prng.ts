/**
 * A seeded pseudo-random generator (mulberry32): the same seed gives the
 * same faults, timings and load choices, so a campaign can be replayed.
 *
 * @example
 * const random = prng('1234')
 * random.int(1, 6) // the same die roll on every run with seed '1234'
 */
export type Prng = {
  /** 0 <= x < 1. */
  next: () => number
  /** An integer from `min` to `max`, both included. */
  int: (min: number, max: number) => number
  pick: <T>(items: readonly T[]) => T
  chance: (probability: number) => boolean
  shuffle: <T>(items: readonly T[]) => T[]
  /** An independent generator for one purpose, so that purpose's draws do not shift the others. */
  fork: (label: string) => Prng
}

/**
 * @example
 * prng('42').pick(['a', 'b', 'c'])
 */
export function prng(seed: string): Prng {
  let state = Number(Bun.hash.crc32(seed)) >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  const pick = <T>(items: readonly T[]): T => {
    const item = items[int(0, items.length - 1)]
    if (item === undefined) throw new Error('pick from an empty list')
    return item
  }
  return {
    next,
    int,
    pick,
    chance: (probability) => next() < probability,
    shuffle: (items) => {
      const out = [...items]
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i)
        ;[out[i], out[j]] = [out[j] as (typeof out)[number], out[i] as (typeof out)[number]]
      }
      return out
    },
    fork: (label) => prng(`${seed}/${label}`),
  }
}

/**
 * A fresh seed for a run that was given none: short, printable, easy to paste.
 *
 * @example
 * newSeed() // '583920117'
 */
export function newSeed(): string {
  return String(crypto.getRandomValues(new Uint32Array(1))[0])
}
