import { waitFor } from '@flash/testing'
import { holdsUnits, keepsCharge } from './invariants.ts'
import type { Placed } from './load.ts'
import type { Offer } from './offers.ts'
import { type Snapshot, takeSnapshot } from './snapshot.ts'
import type { Stack } from './stack.ts'

/**
 * Why the system is not quiet yet, in a few words each (empty when it is):
 * a stream with entries not delivered or not acknowledged, entries nobody
 * reads, an order still pending or waiting for its return, a charge
 * unknown or still processing, a refund not made, an accepted order not yet
 * in MySQL, a stock transfer under way (its units are in no bucket) or one
 * that moved units while the snapshot was read. Orders in `reported` (found stuck by an earlier round) are left out.
 *
 * @example
 * notQuiet(snapshot, offers, expected) // ['fs:{p0}:stream:orders/order-writer: pending 3, lag 0']
 */
export function notQuiet(
  snapshot: Snapshot,
  offers: readonly Offer[],
  expected: readonly Placed[],
  reported: ReadonlySet<string> = new Set(),
): string[] {
  const reasons: string[] = []
  for (const g of snapshot.groups)
    if (g.pending > 0 || g.lag > 0)
      reasons.push(`${g.stream}/${g.group}: pending ${g.pending}, lag ${g.lag}`)
  for (const s of snapshot.orphanStreams) reasons.push(`${s.stream}: ${s.length} entries, no group`)
  const ours = new Set(offers.map((offer) => offer.id))
  const stored = new Set(
    snapshot.orders.filter((order) => ours.has(order.offerId)).map((order) => order.id),
  )
  // An order an earlier round already reported stuck would keep every later round from quiet.
  const orders = snapshot.orders.filter(
    (order) => ours.has(order.offerId) && !reported.has(order.id),
  )
  const count = (what: string, n: number) => n > 0 && reasons.push(`${n} ${what}`)
  count('orders pending', orders.filter((o) => o.status === 'pending').length)
  count('returns not complete', orders.filter((o) => o.status === 'return_requested').length)
  count(
    'payments unknown',
    [...snapshot.payments].filter(([id, s]) => s === 'unknown' && !reported.has(id)).length,
  )
  count(
    'charges processing',
    snapshot.charges.filter((c) => c.status === 'processing' && !reported.has(c.orderId)).length,
  )
  count(
    'refunds not made',
    orders.filter(
      (o) =>
        !keepsCharge.has(o.status) &&
        !holdsUnits.has(o.status) &&
        snapshot.payments.get(o.id) === 'succeeded',
    ).length,
  )
  count('accepted orders not in MySQL', expected.filter((p) => !stored.has(p.orderId)).length)
  count('stock transfers under way', snapshot.transfers.underWay.length)
  if (snapshot.transfers.underWay.length === 0 && !snapshot.transfers.steady)
    reasons.push('stock transfers moved units while the snapshot was read')
  return reasons
}

/**
 * Polls until `notQuiet` has nothing to say, within `timeoutMs`.
 *
 * @example
 * const quiet = await waitForQuiet(stack, offers, expected, 90_000)
 * if (!quiet.quiet) console.log(quiet.residue)
 */
export async function waitForQuiet(
  stack: Stack,
  offers: readonly Offer[],
  expected: readonly Placed[],
  timeoutMs: number,
  reported: ReadonlySet<string> = new Set(),
): Promise<{ quiet: boolean; residue: string[] }> {
  let residue: string[] = ['no snapshot could be read']
  try {
    await waitFor(
      async () => {
        const snapshot = await takeSnapshot(stack, offers)
        residue = notQuiet(snapshot, offers, expected, reported)
        return residue.length === 0
      },
      { timeoutMs, intervalMs: 250, what: 'quiet' },
    )
    return { quiet: true, residue: [] }
  } catch (error) {
    return { quiet: false, residue: [...residue, (error as Error).message] }
  }
}
