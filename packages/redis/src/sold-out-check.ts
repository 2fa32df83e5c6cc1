import type { RedisClient } from './client.ts'
import { markerIsCurrent } from './generation.ts'
import {
  buyerOfferKeys,
  generationKey,
  idempotencyKey,
  type KeySpace,
  type Offer,
  type OfferKeys,
  partitionTag,
  revocationKeys,
} from './keys.ts'
import { knownBuckets } from './reserve.ts'

/** A request the caller would like to answer "sold out" without running reserve-orders.lua. */
export type SoldOutQuestion = {
  offer: Offer
  userId: string
  quantity: number
  idempotencyKey: string
  /** The caller's verified access token, checked against logout as the script checks it. */
  token: { tokenId: string; issuedAt: number }
}

/** `soldOut: false` also when the answer is not known (Redis failed): the script decides then. */
export type SoldOutCheck = { soldOut: true; remaining: number } | { soldOut: false }

/**
 * Whether reserve-orders.lua, called without rate limits, would answer this
 * request `SoldOut` right now, found by reading what it reads before that
 * answer, in its order: the partition's generation (a partition being
 * recovered answers Recovering, never sold out), the logout marks, the idempotency record (any record
 * means a replay or a reuse, which the script answers), the offer and its
 * window by Redis's clock, the buyer's units against the limit, the stock.
 * Anything else, a failure included, is `soldOut: false`, so the caller
 * sends the request the full way and the script gives the exact answer.
 *
 * Questions for one partition asked in the same event-loop turn are read in
 * one MULTI (one round trip, one consistent snapshot, one slot for Redis
 * Cluster), as `reserve` batches its calls.
 *
 * @example
 * const check = await checkSoldOut(redis, space, { offer, userId, quantity: 1, idempotencyKey, token })
 * if (check.soldOut) return soldOut(check.remaining)
 */
export function checkSoldOut(
  redis: RedisClient,
  space: KeySpace,
  question: SoldOutQuestion,
): Promise<SoldOutCheck> {
  // The bucket reserve() would ask, by the count it would assume.
  const buckets = knownBuckets(space, question.offer)
  const offer = buyerOfferKeys(space, question.offer, question.userId, buckets)
  const revoked = revocationKeys(space, offer.partition, question.token.tokenId, question.userId)
  return readsOf(redis).ask(partitionTag(space, offer.partition), {
    offer,
    generation: generationKey(space, offer.partition),
    strings: [
      revoked.token,
      revoked.user,
      idempotencyKey(
        space,
        offer.partition,
        question.userId,
        question.offer.id,
        question.idempotencyKey,
      ),
    ],
    userId: question.userId,
    quantity: question.quantity,
    issuedAt: question.token.issuedAt,
    buckets,
  })
}

type Asked = {
  offer: OfferKeys
  /** The partition's generation marker: the same for every question of a batch. */
  generation: string
  /** revoked token, revoked user, idempotency record: read with one MGET. */
  strings: [string, string, string]
  userId: string
  quantity: number
  issuedAt: number
  /** The bucket count the question was routed by. */
  buckets: number
  resolve?: (check: SoldOutCheck) => void
}

/** Bounds one MGET; a turn rarely brings more (one request per connection). */
const MAX_BATCH = 64

const NOT_KNOWN: SoldOutCheck = { soldOut: false }

const META_FIELDS = [
  'startsAt',
  'endsAt',
  'limit',
  'price',
  'productId',
  'saleId',
  'buckets',
  'elsewhere',
  'wants',
] as const

/** One offer's part of a batch: its keys, and the buyers whose units are read. */
type OfferRead = { keys: OfferKeys; users: string[] }

class SoldOutReads {
  readonly #open = new Map<string, Asked[]>()

  constructor(private readonly redis: RedisClient) {}

  ask(partition: string, asked: Asked): Promise<SoldOutCheck> {
    let batch = this.#open.get(partition)
    if (!batch) {
      const opened: Asked[] = []
      this.#open.set(partition, opened)
      setImmediate(() => this.#send(partition, opened))
      batch = opened
    }
    const reply = new Promise<SoldOutCheck>((resolve) => {
      asked.resolve = resolve
    })
    batch.push(asked)
    if (batch.length >= MAX_BATCH) this.#send(partition, batch)
    return reply
  }

  #send(partition: string, batch: Asked[]): void {
    if (this.#open.get(partition) !== batch) return // already sent when it filled up
    this.#open.delete(partition)
    const offers = new Map<string, OfferRead>()
    const strings: string[] = []
    for (const asked of batch) {
      strings.push(...asked.strings)
      let offer = offers.get(asked.offer.meta)
      if (!offer) {
        offer = { keys: asked.offer, users: [] }
        offers.set(asked.offer.meta, offer)
      }
      offer.users.push(asked.userId)
    }
    const reads = [...offers.values()]
    const transaction = this.redis.multi()
    const generation = (batch[0] as Asked).generation
    transaction.mget(...strings, ...reads.map(({ keys }) => keys.stock), generation)
    for (const { keys } of reads) transaction.hmget(keys.meta, ...META_FIELDS)
    for (const { keys, users } of reads) transaction.hmget(keys.buyers, ...users)
    transaction.info('replication')
    transaction.time()
    transaction.exec().then(
      (replies) => {
        const checks = replies ? decide(batch, reads, replies) : null
        batch.forEach((asked, i) => {
          asked.resolve?.(checks?.[i] ?? NOT_KNOWN)
        })
      },
      () => {
        for (const asked of batch) asked.resolve?.(NOT_KNOWN)
      },
    )
  }
}

type Replies = [error: Error | null, result: unknown][]
type Strings = (string | null)[]

/**
 * The script's checks before its SoldOut answer, on what the MULTI read.
 * Kept in step with reserve-orders.lua (the sold-out answers test compares
 * every answer with and without this shortcut). Where the script would
 * fail (a value that is not an exact integer, a key of another type: a
 * command of the MULTI fails then) this says "not known", and so does a
 * missing stock key, which the script looks at more closely. A partition
 * whose generation is not current (generation.lua) is "not known" as a
 * whole: the script answers Recovering there.
 */
function decide(batch: Asked[], reads: OfferRead[], replies: Replies): SoldOutCheck[] | null {
  if (replies.some(([error]) => error)) return null
  const results = replies.map(([, result]) => result)
  const strings = results[0] as Strings
  const marker = strings[3 * batch.length + reads.length]
  const serverId = /master_replid:([0-9a-f]+)/.exec(results.at(-2) as string)?.[1]
  if (!serverId || !markerIsCurrent(marker, serverId)) return null
  const [seconds, micros] = results.at(-1) as [string, string]
  const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)
  const offers = reads.map((read, o) => ({
    meta: read.keys.meta,
    terms: termsOf(results[1 + o] as Strings),
    held: results[1 + reads.length + o] as Strings,
    heldSeen: 0,
    stock: integerOf(strings[3 * batch.length + o]),
  }))
  return batch.map((asked, i): SoldOutCheck => {
    const offer = offers.find(({ meta }) => meta === asked.offer.meta)
    if (!offer) return NOT_KNOWN
    const heldText = offer.held[offer.heldSeen++]
    const held = heldText == null ? 0 : integerOf(heldText)
    if (!ONE_WORD.test(asked.userId)) return NOT_KNOWN
    if (!Number.isSafeInteger(asked.issuedAt) || asked.issuedAt < 0) return NOT_KNOWN
    const [revokedToken, revokedUpTo, first] = strings.slice(3 * i, 3 * i + 3)
    if (revokedToken != null) return NOT_KNOWN
    if (revokedUpTo != null) {
      const upTo = integerOf(revokedUpTo)
      if (upTo === null || (asked.issuedAt > 0 && asked.issuedAt <= upTo)) return NOT_KNOWN
    }
    if (first != null) return NOT_KNOWN
    const { terms, stock } = offer
    // Another count: the script answers WrongBuckets, and the buyer's bucket decides.
    if (terms && terms.buckets !== asked.buckets) return NOT_KNOWN
    if (!terms || nowMs < terms.startsAt || nowMs >= terms.endsAt) return NOT_KNOWN
    if (held === null) return NOT_KNOWN
    if (terms.limit > 0 && held + asked.quantity > terms.limit) return NOT_KNOWN
    if (stock === null) return NOT_KNOWN
    if (stock >= asked.quantity) return NOT_KNOWN
    // Units elsewhere in a bucketed sale: the script answers Rebalancing.
    if (terms.buckets > 1 && terms.elsewhere > 0) return NOT_KNOWN
    return { soldOut: true, remaining: stock }
  })
}

/** What reserve() refuses in the arguments it packs for the script. */
const ONE_WORD = /^\S+$/

/** An offer's terms as the script accepts them, or null (no offer, or terms it refuses). */
function termsOf(meta: Strings) {
  const [startsAt, endsAt, limit, price, productId, saleId, buckets, elsewhere, wants] =
    META_FIELDS.map((_, i) => meta[i])
  const terms = {
    startsAt: integerOf(startsAt),
    endsAt: integerOf(endsAt),
    limit: integerOf(limit),
    price: integerOf(price),
    // Absent fields read as the script reads them.
    buckets: integerOf(buckets ?? '1'),
    elsewhere: integerOf(elsewhere ?? '0'),
    wants: integerOf(wants ?? '0'),
  }
  if (terms.startsAt === null || terms.endsAt === null || terms.limit === null) return null
  if (terms.price === null || terms.price < 0 || !productId || saleId == null) return null
  if (terms.buckets === null || terms.buckets < 1 || terms.elsewhere === null) return null
  if (terms.wants === null) return null
  return {
    startsAt: terms.startsAt,
    endsAt: terms.endsAt,
    limit: terms.limit,
    buckets: terms.buckets,
    elsewhere: terms.elsewhere,
  }
}

/** The integer a text holds as integers.lua reads it (at most 2^53 - 1 either way), or null. */
function integerOf(text: string | null | undefined): number | null {
  if (typeof text !== 'string' || text.length > 17 || !/^-?\d+$/.test(text)) return null
  const n = Number(text)
  return Math.abs(n) <= Number.MAX_SAFE_INTEGER ? n : null
}

const readsByClient = new WeakMap<RedisClient, SoldOutReads>()

function readsOf(redis: RedisClient): SoldOutReads {
  let reads = readsByClient.get(redis)
  if (!reads) {
    reads = new SoldOutReads(redis)
    readsByClient.set(redis, reads)
  }
  return reads
}
