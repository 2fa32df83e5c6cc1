/** What the balancer sees of one bucket: its units, and how many units buyers asked of it while it was too empty. */
export type BucketView = { stock: number; wants: number }

/** Units to move from one bucket (by index) to another. */
export type Move = { from: number; to: number; units: number }

/**
 * Plans the transfers that keep a bucketed sale from answering "sold out"
 * (or Rebalancing) in one bucket while another still holds units. The rule:
 *
 * - T = the units in all K buckets; every bucket's target is floor(T/K),
 *   and the T mod K units left over raise the targets of the buckets buyers
 *   asked units of (`wants` > 0) first, then of those holding the most (so
 *   fewer units move);
 * - a bucket is short when it holds fewer units than its target and either
 *   less than half of it or buyers asked it for units;
 * - nothing moves unless some bucket is short; then each short bucket (those
 *   asked first, then the emptiest) is filled up to its target from the
 *   buckets above theirs, the fullest first.
 *
 * No move is of 0 units, and no bucket both gives and receives. A negative
 * stock (never expected) counts as 0.
 *
 * @example
 * planMoves([{ stock: 0, wants: 2 }, { stock: 50, wants: 0 }, { stock: 50, wants: 0 }])
 * // [{ from: 1, to: 0, units: 17 }, { from: 2, to: 0, units: 17 }]
 */
export function planMoves(buckets: readonly BucketView[]): Move[] {
  const stocks = buckets.map((b) => Math.max(0, b.stock))
  const asked = buckets.map((b) => b.wants > 0)
  const total = stocks.reduce((sum, n) => sum + n, 0)
  if (buckets.length < 2 || total === 0) return []
  const indexes = [...buckets.keys()]
  const targets = stocks.map(() => Math.floor(total / buckets.length))
  const firstForLeftover = [...indexes].sort(
    (a, b) => Number(asked[b]) - Number(asked[a]) || at(stocks, b) - at(stocks, a) || a - b,
  )
  for (const i of firstForLeftover.slice(0, total % buckets.length)) targets[i] = at(targets, i) + 1
  const short = indexes
    .filter((i) => {
      const stock = at(stocks, i)
      const target = at(targets, i)
      return stock < target && (stock * 2 < target || asked[i])
    })
    .sort((a, b) => Number(asked[b]) - Number(asked[a]) || at(stocks, a) - at(stocks, b) || a - b)
  const surplus = indexes.map((i) => Math.max(0, at(stocks, i) - at(targets, i)))
  const moves: Move[] = []
  for (const to of short) {
    let need = at(targets, to) - at(stocks, to)
    while (need > 0) {
      const from = fullest(surplus)
      if (from === undefined) break
      const units = Math.min(need, at(surplus, from))
      moves.push({ from, to, units })
      surplus[from] = at(surplus, from) - units
      need -= units
    }
  }
  return moves
}

/** The index of the largest positive surplus (the first of equals), or undefined when none is left. */
function fullest(surplus: readonly number[]): number | undefined {
  let best: number | undefined
  for (const [i, units] of surplus.entries())
    if (units > 0 && (best === undefined || units > at(surplus, best))) best = i
  return best
}

function at(values: readonly number[], i: number): number {
  return values[i] ?? 0
}
