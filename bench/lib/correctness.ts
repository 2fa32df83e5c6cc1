/**
 * The correctness judgement, as a pure function of counts the scenarios read
 * from Redis, MySQL, the payment sandbox and the load driver, so a test can
 * feed it an oversell or a lost order and watch it object.
 */

/**
 * What one sale looked like after the load (each order is one unit).
 *
 * @example
 * const tally: SaleTally = { quantity: 100, stockLeft: 0, orders: 100, accepted: 97 }
 */
export type SaleTally = {
  /** Units the sale started with. */
  quantity: number
  /** Units left on the counter the hot path decrements (Redis, or MySQL for the lock baseline). */
  stockLeft: number
  /** Lowest value of that counter seen while the load ran, when it was sampled. */
  lowestStock?: number
  /** Orders recorded: `order.placed` entries, or order rows for the lock baseline. */
  orders: number
  /** 202 answers the driver counted; it misses those still in flight at its deadline. */
  accepted: number
  /** Orders in MySQL once the worker drained the stream; absent when not drained. */
  persisted?: number
  /** The payment sandbox's ledger after the drain. */
  payments?: { charges: number; distinctOrders: number }
  /**
   * Orders of the sale that did not keep their units (failed, cancelled,
   * returned in MySQL) whose charge the sandbox still holds (succeeded, not
   * refunded); absent when not drained.
   */
  keptCharges?: number
  /** Charges the sandbox still had `processing` once the orders settled. */
  processingCharges?: number
}

/**
 * The judgement: `ok` only when nothing was oversold, lost or charged twice,
 * and no order that gave its units back kept its charge.
 *
 * @example
 * judge(tally) // { tally, sold: 100, cutOff: 3, oversold: 0, lost: 0, doubleCharges: 0, keptCharges: 0, problems: [], ok: true }
 */
export type Verdict = {
  /** The counts judged, for the report. */
  tally: SaleTally
  sold: number
  /** Orders the driver never saw answered (wrk's deadline); not a fault. */
  cutOff: number
  oversold: number
  lost: number
  doubleCharges: number
  /** Charges kept for orders that did not keep their units. */
  keptCharges: number
  problems: string[]
  ok: boolean
}

/**
 * Judges one sale: every unit sold has exactly one order, stock never went
 * below zero nor sold past the quantity, every 202 has its order, every
 * order reached MySQL, no order was charged twice, no order that gave its
 * units back kept its charge, and no charge was left processing.
 *
 * @example
 * judge({ quantity: 10, stockLeft: -1, orders: 11, accepted: 11 }).oversold // 1
 */
export function judge(t: SaleTally): Verdict {
  const problems: string[] = []
  const sold = t.quantity - t.stockLeft
  const flag = (count: number, message: string) => {
    if (count > 0) problems.push(message)
    return Math.max(0, count)
  }

  const oversold = Math.max(
    flag(-t.stockLeft, `stock ended at ${t.stockLeft}, below zero`),
    flag(-(t.lowestStock ?? 0), `stock was seen at ${t.lowestStock}, below zero`),
    flag(t.orders - t.quantity, `${t.orders} orders for ${t.quantity} units`),
    flag(t.orders - sold, `${t.orders - sold} orders without a unit taken from stock`),
    flag(
      (t.persisted ?? 0) - t.orders,
      `${(t.persisted ?? 0) - t.orders} orders in MySQL that were never placed`,
    ),
  )

  const unrecorded = Math.max(
    flag(sold - t.orders, `${sold - t.orders} units left stock without an order`),
    flag(t.accepted - t.orders, `${t.accepted - t.orders} answers 202 without an order`),
  )
  const persisted = t.persisted ?? t.orders
  const charged = t.payments?.distinctOrders ?? 0
  const unpersisted = Math.max(
    flag(t.orders - persisted, `${t.orders - persisted} orders never reached MySQL`),
    flag(charged - persisted, `${charged - persisted} orders charged but missing from MySQL`),
  )

  const doubleCharges = flag(
    (t.payments?.charges ?? 0) - charged,
    `${(t.payments?.charges ?? 0) - charged} charges beyond one per order`,
  )
  const keptCharges = flag(
    t.keptCharges ?? 0,
    `${t.keptCharges} charges kept for orders that did not keep their units`,
  )
  flag(t.processingCharges ?? 0, `${t.processingCharges} charges still processing after settling`)

  return {
    tally: t,
    sold,
    cutOff: Math.max(0, t.orders - t.accepted),
    oversold,
    lost: unrecorded + unpersisted,
    doubleCharges,
    keptCharges,
    problems,
    ok: problems.length === 0,
  }
}

/**
 * Judges several sales under one load whose driver counts 202s for all of
 * them together (wrk cannot tell which sale an answer was for). Each sale is
 * judged on its own for what its own counts show (an oversell, units gone
 * without an order), so one sale's oversell is never hidden by another's
 * loss; the 202s are then checked against the orders of all of them. The
 * tally is the sales' sum, for the report.
 *
 * @example
 * judgeSales([{ label: 'partition 0', quantity: 10, stockLeft: 5, orders: 5 }], 5).ok // true
 */
export function judgeSales(
  sales: readonly (Omit<SaleTally, 'accepted'> & { label: string })[],
  accepted: number,
): Verdict {
  // Each sale's own 202s are unknown: taken as its orders, so its own check cannot object to them.
  const each = sales.map(({ label, ...t }) => ({
    label,
    verdict: judge({ ...t, accepted: t.orders }),
  }))
  const sum = (pick: (t: SaleTally) => number) =>
    each.reduce((n, { verdict }) => n + pick(verdict.tally), 0)
  const lowests = sales.flatMap((t) => (t.lowestStock === undefined ? [] : [t.lowestStock]))
  const tally: SaleTally = {
    quantity: sum((t) => t.quantity),
    stockLeft: sum((t) => t.stockLeft),
    lowestStock: lowests.length === sales.length ? Math.min(...lowests) : undefined,
    orders: sum((t) => t.orders),
    accepted,
    persisted: sales.every((t) => t.persisted !== undefined)
      ? sum((t) => t.persisted ?? 0)
      : undefined,
  }
  const problems = each.flatMap(({ label, verdict }) =>
    verdict.problems.map((p) => `${label}: ${p}`),
  )
  const unrecorded = Math.max(0, accepted - tally.orders)
  if (unrecorded > 0) problems.push(`${unrecorded} answers 202 without an order in any sale`)
  return {
    tally,
    sold: each.reduce((n, { verdict }) => n + verdict.sold, 0),
    cutOff: Math.max(0, tally.orders - accepted),
    oversold: each.reduce((n, { verdict }) => n + verdict.oversold, 0),
    lost: each.reduce((n, { verdict }) => n + verdict.lost, 0) + unrecorded,
    doubleCharges: 0,
    keptCharges: 0,
    problems,
    ok: problems.length === 0,
  }
}

/**
 * Adds verdicts up for the summary line.
 *
 * @example
 * totals([judge(a), judge(b)]) // { oversold: 0, lost: 0, doubleCharges: 0, keptCharges: 0, ok: true }
 */
export function totals(verdicts: readonly Verdict[]) {
  return {
    oversold: verdicts.reduce((n, v) => n + v.oversold, 0),
    lost: verdicts.reduce((n, v) => n + v.lost, 0),
    doubleCharges: verdicts.reduce((n, v) => n + v.doubleCharges, 0),
    keptCharges: verdicts.reduce((n, v) => n + v.keptCharges, 0),
    ok: verdicts.every((v) => v.ok),
  }
}
