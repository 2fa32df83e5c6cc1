import { bucketPartition, mastersOf, offerKeys, partitionTag, streamKey } from '@flash/redis'
import { waitFor } from '@flash/testing'
import { bucketsOf, type Offer } from './offers.ts'
import type { Stack } from './stack.ts'

/** One order as MySQL holds it (the campaign's orders have one item each). */
export type StoredOrder = {
  id: string
  buyerId: string
  /** The sale id, or the product id of a list-price order. */
  offerId: string
  status: string
  units: number
}

/** One charge as the payment sandbox lists it. */
export type SandboxCharge = {
  id: string
  orderId: string
  status: 'succeeded' | 'declined' | 'processing'
  refundedAt: string | null
}

/** One bucket of a split sale: its stock counter in Redis and its allotment in MySQL. */
export type BucketState = {
  bucket: number
  partition: number
  /** null when the counter is missing. */
  stock: number | null
  /** null when MySQL has no sale_buckets row for it. */
  allotment: number | null
}

/** A stock transfer between two buckets, as MySQL holds it. */
export type Transfer = {
  id: string
  saleId: string
  fromBucket: number
  toBucket: number
  units: number
  state: string
}

/**
 * The stock transfers at the snapshot: those under way ('taking' or 'moved':
 * their units are in no bucket), and whether none moved a unit while the
 * snapshot was read (the transfers' states were the same before and after
 * every read, and none was under way), without which a bucket's counter
 * cannot be compared with its allotment.
 */
export type TransfersSeen = { underWay: Transfer[]; steady: boolean }

/** One consumer group of one stream, as XINFO GROUPS tells it. */
export type GroupState = { stream: string; group: string; pending: number; lag: number }

/**
 * What MySQL, Redis and the sandbox hold at one moment: the quiet check and
 * every invariant read this, so they are pure functions of it.
 *
 * @example
 * const snapshot = await takeSnapshot(stack, offers)
 */
export type Snapshot = {
  orders: StoredOrder[]
  /** MySQL's payments.status per order id. */
  payments: Map<string, string>
  charges: SandboxCharge[]
  /** Subject and text of every e-mail the sandbox received. */
  emails: { subject: string; text: string }[]
  /**
   * Redis's stock counter per offer id; for a split sale the sum of its
   * buckets' counters. null when a key is missing.
   */
  stock: Map<string, number | null>
  /** Each bucket of every split sale (offers with buckets > 1), by sale id. */
  buckets: Map<string, BucketState[]>
  transfers: TransfersSeen
  groups: GroupState[]
  /** Streams that hold entries and no consumer group at all (nobody will ever read them). */
  orphanStreams: { stream: string; length: number }[]
  deadLetters: { stream: string; length: number; first: string[] }[]
}

const readTimeoutMs = 5_000

/**
 * Reads everything at once, failing (rather than hanging) when a server does
 * not answer within a few seconds: the quiet check polls it during faults.
 *
 * @example
 * const snapshot = await takeSnapshot(stack, [...offers.values()])
 */
export async function takeSnapshot(stack: Stack, offers: readonly Offer[]): Promise<Snapshot> {
  // Every step of a transfer changes its state in MySQL, or happens while it is under way:
  // the same states before and after every read, none under way, and no unit moved meanwhile.
  const before = await bounded(transferStates(stack), 'MySQL')
  const [mysqlPart, redisPart, sandboxPart] = await Promise.all([
    bounded(readMysql(stack), 'MySQL'),
    bounded(readRedis(stack, offers), 'Redis'),
    bounded(readSandbox(stack.sandboxUrl), 'the sandbox'),
  ])
  const after = await bounded(transferStates(stack), 'MySQL')
  const { allotments, underWay, ...mysqlRest } = mysqlPart
  const buckets = new Map(
    [...redisPart.bucketStock].map(([saleId, stocks]) => [
      saleId,
      stocks.map((each) => ({
        ...each,
        allotment: allotments.get(`${saleId}:${each.bucket}`) ?? null,
      })),
    ]),
  )
  const steady = before === after && underWay.length === 0 && !/taking|moved/.test(after)
  return {
    ...mysqlRest,
    stock: redisPart.stock,
    buckets,
    transfers: { underWay, steady },
    groups: redisPart.groups,
    orphanStreams: redisPart.orphanStreams,
    deadLetters: redisPart.deadLetters,
    ...sandboxPart,
  }
}

/**
 * A snapshot no stock transfer moved units during, for the invariants: the
 * balancer may still even out a sale's buckets after quiet. Polls for one
 * within `timeoutMs`; gives the last one read when none was (the bucket
 * check then says so), undefined when none could be read at all.
 *
 * @example
 * const snapshot = await takeSteadySnapshot(stack, [...offers.values()])
 */
export async function takeSteadySnapshot(
  stack: Stack,
  offers: readonly Offer[],
  timeoutMs = 10_000,
): Promise<Snapshot | undefined> {
  let last: Snapshot | undefined
  try {
    return await waitFor(
      async () => {
        last = await takeSnapshot(stack, offers)
        return last.transfers.steady ? last : undefined
      },
      { timeoutMs, intervalMs: 250, what: 'a snapshot no stock transfer moved units during' },
    )
  } catch {
    return last
  }
}

/** How many transfers are in each state, as one string to compare ('done 12, void 1'). */
async function transferStates(stack: Stack): Promise<string> {
  const [rows] = await stack.db.pool.query(
    'SELECT state, COUNT(*) AS n FROM stock_transfers GROUP BY state ORDER BY state',
  )
  return (rows as { state: string; n: number }[]).map((r) => `${r.state} ${r.n}`).join(', ')
}

async function readMysql(stack: Stack) {
  const [orderRows] = await stack.db.pool.query(
    `SELECT o.id, o.user_id AS buyerId, COALESCE(o.sale_id, i.product_id) AS offerId,
            o.status, i.quantity AS units
       FROM orders o JOIN order_items i ON i.order_id = o.id`,
  )
  const [paymentRows] = await stack.db.pool.query(
    'SELECT order_id AS orderId, status FROM payments',
  )
  const [allotmentRows] = await stack.db.pool.query(
    'SELECT sale_id AS saleId, bucket, allotment FROM sale_buckets',
  )
  const [transferRows] = await stack.db.pool.query(
    `SELECT id, sale_id AS saleId, from_bucket AS fromBucket, to_bucket AS toBucket, units, state
       FROM stock_transfers WHERE state IN ('taking', 'moved') ORDER BY id`,
  )
  return {
    allotments: new Map(
      (allotmentRows as { saleId: string; bucket: number; allotment: number }[]).map((row) => [
        `${row.saleId}:${row.bucket}`,
        Number(row.allotment),
      ]),
    ),
    underWay: transferRows as Transfer[],
    orders: (orderRows as StoredOrder[]).map((row) => ({ ...row, units: Number(row.units) })),
    payments: new Map(
      (paymentRows as { orderId: string; status: string }[]).map((row) => [
        row.orderId,
        row.status,
      ]),
    ),
  }
}

async function readRedis(stack: Stack, offers: readonly Offer[]) {
  const redis = stack.client
  // One GET each (auto-pipelined): on a cluster the offers' keys, and a split sale's buckets,
  // live in different slots (on different masters).
  const counters = await Promise.all(
    offers.map((offer) =>
      Promise.all(
        Array.from({ length: bucketsOf(offer) }, async (_, bucket) => {
          // An unsplit offer's one counter is in its own partition, as is a split sale's bucket 0.
          const keys =
            bucketsOf(offer) > 1
              ? offerKeys(stack.space, offer, bucketPartition(stack.space, offer.id, bucket))
              : offerKeys(stack.space, offer)
          return { bucket, partition: keys.partition, stock: toNumber(await redis.get(keys.stock)) }
        }),
      ),
    ),
  )
  const stock = new Map(offers.map((offer, i) => [offer.id, sumOrNull(counters[i] ?? [])]))
  const bucketStock = new Map(
    offers.flatMap((offer, i) => (bucketsOf(offer) > 1 ? [[offer.id, counters[i] ?? []]] : [])),
  )
  const groups: GroupState[] = []
  const orphanStreams: Snapshot['orphanStreams'] = []
  const deadLetters: Snapshot['deadLetters'] = []
  for (const stream of await streamsOf(stack)) {
    const length = await redis.xlen(stream)
    if (stream === deadLetterOf(stack, stream)) {
      const first = length ? await redis.xrange(stream, '-', '+', 'COUNT', 3) : []
      deadLetters.push({
        stream,
        length,
        first: first.map(([id, fields]) => `${id} ${fields.join(' ').slice(0, 600)}`),
      })
      continue
    }
    const infos = (await redis.xinfo('GROUPS', stream)) as unknown[][]
    if (infos.length === 0 && length > 0) orphanStreams.push({ stream, length })
    for (const flat of infos) {
      const info = record(flat)
      // Redis cannot tell the lag after deletions in the range: then look for one entry past the group.
      const lag =
        typeof info.lag === 'number'
          ? info.lag
          : (await redis.xrange(stream, `(${info['last-delivered-id']}`, '+', 'COUNT', 1)).length
      groups.push({ stream, group: String(info.name), pending: Number(info.pending), lag })
    }
  }
  return { stock, bucketStock, groups, orphanStreams, deadLetters }
}

/**
 * Every stream under the campaign's prefix, in every partition, on every
 * master (SCAN on a cluster client would ask one node).
 */
async function streamsOf(stack: Stack): Promise<string[]> {
  const found = new Set<string>()
  const masters = await mastersOf(stack.client)
  for (let partition = 0; partition < stack.space.partitions; partition++)
    for (const node of masters)
      await scanStreams(node, `${partitionTag(stack.space, partition)}:stream:*`, found)
  return [...found].sort()
}

async function scanStreams(
  node: Awaited<ReturnType<typeof mastersOf>>[number],
  pattern: string,
  found: Set<string>,
): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000, 'TYPE', 'stream')
    cursor = next
    for (const key of keys) found.add(key)
  } while (cursor !== '0')
}

function deadLetterOf(stack: Stack, stream: string): string {
  // The tag is {p<n>} or {p<n>.<k>} (partitionTagName): the number after p is the partition.
  const partition = Number(/\{p(\d+)[.}]/.exec(stream)?.[1] ?? 0)
  return streamKey(stack.space, partition, 'dead-letter')
}

async function readSandbox(sandboxUrl: string) {
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${sandboxUrl}${path}`, { signal: AbortSignal.timeout(readTimeoutMs) })
    if (!res.ok) throw new Error(`sandbox ${path} answered ${res.status}`)
    return (await res.json()) as T
  }
  const [payments, emails] = await Promise.all([
    get<{ items: SandboxCharge[] }>('/payments'),
    get<{ items: { subject: string; text: string | null }[] }>('/emails'),
  ])
  return {
    charges: payments.items.map(({ id, orderId, status, refundedAt }) => ({
      id,
      orderId,
      status,
      refundedAt,
    })),
    emails: emails.items.map(({ subject, text }) => ({ subject, text: text ?? '' })),
  }
}

/** A split sale's stock: the sum of its buckets' counters, null when any is missing. */
function sumOrNull(counters: readonly { stock: number | null }[]): number | null {
  let total = 0
  for (const { stock } of counters) {
    if (stock === null) return null
    total += stock
  }
  return total
}

function toNumber(value: string | null | undefined): number | null {
  return value === null || value === undefined ? null : Number(value)
}

function record(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1]
  return out
}

async function bounded<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer in ${readTimeoutMs} ms`)),
      readTimeoutMs,
    )
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}
