import { buyerBucket } from '@flash/redis'
import type { LoadRecord, Placed } from './load.ts'
import { bucketsOf, type Offer } from './offers.ts'
import type { Snapshot, StoredOrder } from './snapshot.ts'

/** Statuses whose order holds its units (pending too: stock comes back only when it fails). */
export const holdsUnits = new Set(['pending', 'paid', 'shipping', 'delivered', 'return_requested'])
/** Statuses whose order keeps its charge: money follows the units. */
export const keepsCharge = new Set(['paid', 'shipping', 'delivered', 'return_requested'])
/**
 * Settled: nothing in the system still works on the order. `pending` waits for
 * a payment and `return_requested` for the return schedule; paid, shipping and
 * delivered only wait for the clock (their money is decided, their units held),
 * so they count as settled as much as returned, cancelled and failed.
 */
export const settled = new Set(['paid', 'shipping', 'delivered', 'returned', 'cancelled', 'failed'])

export const invariantNames = [
  'oversell',
  'stored',
  'charges',
  'stock',
  'buckets',
  'emails',
  'dead-letters',
  'offer-found',
  'replays',
  'quiet',
  'recovery',
] as const
export type InvariantName = (typeof invariantNames)[number]

/**
 * One broken invariant: `key` names what it is about, so an anomaly that
 * persists is reported once, in the round it first appeared.
 *
 * @example
 * const anomaly: Anomaly = { invariant: 'oversell', key: 'sale:x', message: '4 units held of 3', evidence: {} }
 */
export type Anomaly = { invariant: InvariantName; key: string; message: string; evidence: unknown }

/** When Redis came back empty: 202s placed in [from, to] may be lost with its data. */
export type EmptyRedisWindow = { round: number; from: number; to: number }

/** What the checks compare: the campaign's offers and load, and one snapshot after quiet. */
export type CheckInput = {
  offers: readonly Offer[]
  record: Pick<LoadRecord, 'placed' | 'replayMismatches' | 'missingOffers'>
  snapshot: Snapshot
  emptyRedis: readonly EmptyRedisWindow[]
}

/** Orders a 202 named that MySQL never got, excused by an empty-Redis window. */
export type Verdict = {
  anomalies: Anomaly[]
  lostWithRedis: Placed[]
  missingEmailsExcused: number
}

/**
 * Every invariant of the campaign against one snapshot.
 *
 * @example
 * const { anomalies, lostWithRedis } = checkInvariants({ offers, record, snapshot, emptyRedis })
 */
export function checkInvariants(input: CheckInput): Verdict {
  const ours = new Set(input.offers.map((offer) => offer.id))
  const orders = input.snapshot.orders.filter((order) => ours.has(order.offerId))
  const byId = new Map(orders.map((order) => [order.id, order]))
  const stored = storedChecks(input, byId)
  const emails = emailChecks(input, orders)
  return {
    anomalies: [
      ...oversellChecks(input.offers, orders),
      ...stored.anomalies,
      ...chargeChecks(input.snapshot, byId),
      ...stockChecks(input, orders),
      ...bucketChecks(input, orders),
      ...emails.anomalies,
      ...deadLetterChecks(input.snapshot),
      ...offerFoundChecks(input),
      ...replayChecks(input),
    ],
    lostWithRedis: stored.lost,
    missingEmailsExcused: emails.excused,
  }
}

function oversellChecks(offers: readonly Offer[], orders: readonly StoredOrder[]): Anomaly[] {
  const anomalies: Anomaly[] = []
  for (const offer of offers) {
    const holding = orders.filter((o) => o.offerId === offer.id && holdsUnits.has(o.status))
    const units = sum(holding)
    if (units > offer.quantity)
      anomalies.push({
        invariant: 'oversell',
        key: `offer:${offer.id}`,
        message: `${offer.size} ${offer.kind} ${offer.id}: ${units} units held of ${offer.quantity}`,
        evidence: { offer, orders: holding.map(brief) },
      })
    if (offer.perUserLimit === 0) continue
    const perBuyer = groupBy(holding, (o) => o.buyerId)
    for (const [buyerId, held] of perBuyer)
      if (sum(held) > offer.perUserLimit)
        anomalies.push({
          invariant: 'oversell',
          key: `buyer:${offer.id}:${buyerId}`,
          message: `buyer ${buyerId} holds ${sum(held)} units of ${offer.id}, limit ${offer.perUserLimit}`,
          evidence: { offer, orders: held.map(brief) },
        })
  }
  return anomalies
}

function storedChecks(input: CheckInput, byId: Map<string, StoredOrder>) {
  const anomalies: Anomaly[] = []
  const lost: Placed[] = []
  for (const placed of input.record.placed.values()) {
    const order = byId.get(placed.orderId)
    if (!order) {
      if (input.emptyRedis.some((w) => placed.at >= w.from && placed.at <= w.to)) lost.push(placed)
      else
        anomalies.push({
          invariant: 'stored',
          key: `order:${placed.orderId}`,
          message: `order ${placed.orderId} was accepted (202) in round ${placed.round} and is not in MySQL`,
          evidence: { placed },
        })
    } else if (!settled.has(order.status))
      anomalies.push({
        invariant: 'stored',
        key: `unsettled:${placed.orderId}`,
        message: `order ${placed.orderId} is still ${order.status} after the round settled`,
        evidence: { placed, order },
      })
  }
  return { anomalies, lost }
}

function chargeChecks(snapshot: Snapshot, byId: Map<string, StoredOrder>): Anomaly[] {
  const kept = groupBy(
    snapshot.charges.filter((c) => c.status === 'succeeded' && c.refundedAt === null),
    (c) => c.orderId,
  )
  const anomalies: Anomaly[] = []
  for (const order of byId.values()) {
    const charges = kept.get(order.id) ?? []
    const expected = keepsCharge.has(order.status) ? 1 : 0
    if (charges.length !== expected)
      anomalies.push({
        invariant: 'charges',
        key: `charge:${order.id}`,
        message: `order ${order.id} is ${order.status} and keeps ${charges.length} charges (expected ${expected})`,
        evidence: {
          order,
          payment: snapshot.payments.get(order.id) ?? null,
          charges: snapshot.charges.filter((c) => c.orderId === order.id),
        },
      })
  }
  for (const [orderId, charges] of kept)
    if (!byId.has(orderId))
      anomalies.push({
        invariant: 'charges',
        key: `charge:${orderId}`,
        message: `a charge is kept for order ${orderId}, which MySQL does not have`,
        evidence: { charges },
      })
  return anomalies
}

function stockChecks(input: CheckInput, orders: readonly StoredOrder[]): Anomaly[] {
  const { offers, snapshot } = input
  const anomalies: Anomaly[] = []
  for (const offer of offers) {
    const stock = snapshot.stock.get(offer.id) ?? null
    const live = sum(orders.filter((o) => o.offerId === offer.id && holdsUnits.has(o.status)))
    if (stock === null)
      anomalies.push({
        invariant: 'stock',
        key: `stock:${offer.id}`,
        message: `${offer.size} ${offer.kind} ${offer.id} has no stock in Redis (MySQL holds it)`,
        evidence: { offer, liveUnits: live },
      })
    else if (stock + live !== offer.quantity)
      anomalies.push({
        invariant: 'stock',
        key: `stock:${offer.id}`,
        message: `${offer.size} ${offer.kind} ${offer.id}: Redis stock ${stock} + live units ${live} = ${stock + live}, quantity ${offer.quantity}`,
        evidence: { offer, stock, liveUnits: live, ...unitsOf(input, offer, orders) },
      })
  }
  return anomalies
}

/**
 * A split sale's buckets: its allotments add up to its quantity, and each
 * bucket's counter is its allotment minus the units held by the live orders
 * of the buyers it serves (`buyerBucket`). Only on a snapshot no transfer
 * moved units during (a unit on its way is in neither bucket's counter, or
 * in one bucket's allotment before its counter); the quiet check waits for one.
 */
function bucketChecks(input: CheckInput, orders: readonly StoredOrder[]): Anomaly[] {
  const { snapshot } = input
  const anomalies: Anomaly[] = []
  for (const offer of input.offers) {
    const count = bucketsOf(offer)
    if (count < 2) continue
    const buckets = snapshot.buckets.get(offer.id) ?? []
    const allotments = buckets.map((b) => b.allotment)
    const allotted = allotments.reduce<number>((total, a) => total + (a ?? 0), 0)
    if (buckets.length !== count || allotments.includes(null) || allotted !== offer.quantity)
      anomalies.push({
        invariant: 'buckets',
        key: `allotments:${offer.id}`,
        message: `split sale ${offer.id}: allotments ${allotments.map((a) => a ?? 'missing').join(' + ')} = ${allotted}, quantity ${offer.quantity}`,
        evidence: { offer, buckets },
      })
    if (!snapshot.transfers.steady) {
      anomalies.push({
        invariant: 'buckets',
        key: `unsteady:${offer.id}`,
        message: `split sale ${offer.id}: its buckets could not be checked, stock transfers were moving units`,
        evidence: { offer, buckets, underWay: snapshot.transfers.underWay },
      })
      continue
    }
    const live = orders.filter((o) => o.offerId === offer.id && holdsUnits.has(o.status))
    for (const bucket of buckets) {
      const served = live.filter((o) => buyerBucket(o.buyerId, count) === bucket.bucket)
      const held = sum(served)
      if (bucket.allotment === null) continue
      if (bucket.stock !== null && bucket.stock === bucket.allotment - held) continue
      anomalies.push({
        invariant: 'buckets',
        key: `bucket:${offer.id}:${bucket.bucket}`,
        message:
          bucket.stock === null
            ? `split sale ${offer.id}: bucket ${bucket.bucket} (partition ${bucket.partition}) has no stock counter in Redis`
            : `split sale ${offer.id}: bucket ${bucket.bucket} (partition ${bucket.partition}) counter ${bucket.stock}, allotment ${bucket.allotment} - units its buyers hold ${held} = ${bucket.allotment - held}`,
        evidence: {
          offer,
          bucket,
          heldByItsBuyers: held,
          buckets,
          orders: served.map(brief),
        },
      })
    }
  }
  return anomalies
}

const kindsBySubject: Record<string, string> = {
  'Your order is paid': 'order_paid',
  'Your order could not be completed': 'order_failed',
  'Your order is cancelled': 'order_cancelled',
  'Your order is on its way': 'order_shipping',
  'Your order was delivered': 'order_delivered',
  'Your return is complete': 'order_returned',
  'Your payment was refunded': 'order_refunded',
}

/** The e-mail each final status must have produced (refunds are checked through payments). */
const expectedByStatus: Record<string, string> = {
  failed: 'order_failed',
  cancelled: 'order_cancelled',
  returned: 'order_returned',
}

function emailChecks(input: CheckInput, orders: readonly StoredOrder[]) {
  const counts = new Map<string, number>()
  for (const email of input.snapshot.emails) {
    const kind = kindsBySubject[email.subject]
    const orderId = /\border ([0-9a-f-]{36})\b/i.exec(email.text)?.[1]
    if (!kind || !orderId) continue
    const key = `${orderId} ${kind}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  const anomalies: Anomaly[] = []
  for (const [key, count] of counts)
    if (count > 1)
      anomalies.push({
        invariant: 'emails',
        key: `email:${key}`,
        message: `${count} e-mails for (order, kind) ${key}`,
        evidence: { key, count },
      })
  // An e-mail event Redis lost with its data is not sent; the order itself was kept.
  const redisLost = (order: StoredOrder) => {
    const placed = input.record.placed.get(order.id)
    return input.emptyRedis.some((w) => placed === undefined || w.to >= placed.at)
  }
  let excused = 0
  for (const order of orders) {
    const wanted = [expectedByStatus[order.status]]
    if (input.snapshot.payments.get(order.id) === 'refunded') wanted.push('order_refunded')
    for (const kind of wanted) {
      if (!kind || counts.has(`${order.id} ${kind}`)) continue
      if (redisLost(order)) excused++
      else
        anomalies.push({
          invariant: 'emails',
          key: `email:${order.id} ${kind}`,
          message: `order ${order.id} is ${order.status} and got no ${kind} e-mail`,
          evidence: { order, payment: input.snapshot.payments.get(order.id) ?? null },
        })
    }
  }
  return { anomalies, excused }
}

function deadLetterChecks(snapshot: Snapshot): Anomaly[] {
  return snapshot.deadLetters
    .filter((d) => d.length > 0)
    .map((d) => ({
      invariant: 'dead-letters' as const,
      key: `dead:${d.stream}:${d.first[0]?.split(' ')[0]}`,
      message: `${d.length} dead letters in ${d.stream}`,
      evidence: d,
    }))
}

function offerFoundChecks(input: CheckInput): Anomaly[] {
  return input.record.missingOffers.map((m) => ({
    invariant: 'offer-found' as const,
    key: `404:${m.offerId}:${m.at}`,
    message: `round ${m.round}: ${m.request} answered 404 for an offer MySQL holds`,
    evidence: m,
  }))
}

function replayChecks(input: CheckInput): Anomaly[] {
  return input.record.replayMismatches
    .filter((m) => !input.emptyRedis.some((w) => w.to >= m.firstAt && w.from <= m.at))
    .map((m) => ({
      invariant: 'replays' as const,
      key: `replay:${m.key}:${m.at}`,
      message: `round ${m.round}: a replay of key ${m.key} got ${m.answer.status}${m.answer.code ? ` ${m.answer.code}` : ''}${m.answer.orderId ? ` order ${m.answer.orderId}` : ''} instead of order ${m.firstOrderId}`,
      evidence: m,
    }))
}

/** Where an offer's units are, to tell a drift's cause: units per status, and 202s MySQL lacks. */
function unitsOf(input: CheckInput, offer: Offer, orders: readonly StoredOrder[]) {
  const unitsByStatus: Record<string, number> = {}
  for (const order of orders)
    if (order.offerId === offer.id)
      unitsByStatus[order.status] = (unitsByStatus[order.status] ?? 0) + order.units
  const stored = new Set(orders.map((order) => order.id))
  const acceptedNotStored = [...input.record.placed.values()]
    .filter((p) => p.offerId === offer.id && !stored.has(p.orderId))
    .map((p) => ({ orderId: p.orderId, units: p.quantity, at: p.at }))
  return { unitsByStatus, acceptedNotStored }
}

function sum(orders: readonly { units: number }[]): number {
  return orders.reduce((total, order) => total + order.units, 0)
}

function brief(order: StoredOrder) {
  return { id: order.id, buyerId: order.buyerId, status: order.status, units: order.units }
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const key = keyOf(item)
    const list = groups.get(key) ?? []
    list.push(item)
    groups.set(key, list)
  }
  return groups
}
