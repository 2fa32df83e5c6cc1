/**
 * Every Redis key the shared packages and the apps use is built here, so the
 * layout lives in one file; the only other builder is auth's own
 * `apps/auth/src/shared/keys.ts` (signups, refresh-token families, login and signup
 * rate limits), which builds its keys inside `partitionTag(space, 0)`.
 * Keys that one Lua script touches together share a hash tag (`{p<n>}`, see
 * `partitionTagName`), so
 * the script runs unchanged on Redis Cluster. The tag is the offer's
 * partition: an offer's keys, its buyers' idempotency records, its pending
 * orders and the stream its orders go to all live in one slot, and the work
 * spreads over partitions (one `orders` stream each).
 */

/** Where keys live: a prefix (one per deployment, or per test file) and a partition count. */
export type KeySpace = { prefix: string; partitions: number }

/** Something buyers reserve units of: a flash sale, or a product sold at its list price. */
export type Offer = { kind: 'sale' | 'product'; id: string }

export type OfferKeys = {
  stock: string
  meta: string
  buyers: string
  partition: number
}

/**
 * @example
 * const space = keySpace('fs:', 1)
 */
export function keySpace(prefix: string, partitions = 1): KeySpace {
  if (prefix.includes('{') || prefix.includes('}'))
    throw new Error('a key prefix must not contain braces: they would become the hash tag')
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new Error('partitions must be a positive integer')
  return { prefix, partitions }
}

/**
 * The partition an offer's keys live in; stable for a given partition count.
 *
 * @example
 * partitionOf(keySpace('fs:', 4), 'a3b1...') // 0..3
 */
export function partitionOf(space: KeySpace, offerId: string): number {
  return space.partitions === 1 ? 0 : Bun.hash.crc32(offerId) % space.partitions
}

/**
 * The hash tag of a partition's keys: `{p<n>}` or, when that one's slot
 * falls outside partition n's share of the slots, the first of `{p<n>.1}`,
 * `{p<n>.2}`, ... whose slot falls inside (see `partitionTagName`).
 *
 * @example
 * partitionTag(keySpace('fs:'), 0) // 'fs:{p0}'
 * partitionTag(keySpace('fs:', 3), 1) // 'fs:{p1.2}' or the like: a slot in 5461..10921
 */
export function partitionTag(space: KeySpace, partition: number): string {
  return `${space.prefix}{${partitionTagName(partition, space.partitions)}}`
}

const tagNames = new Map<number, string[]>()

/**
 * Partition p of P gets a tag whose cluster slot lies in its share of the
 * slots, [floor(p*16384/P), floor((p+1)*16384/P)): a cluster of M masters
 * with the slots split evenly (as `redis-cli --cluster create` and our
 * devstack do) then holds P/M partitions on each master, instead of
 * wherever `{p0}`, `{p1}`, ... happen to hash (with P = 3 on 3 masters, two
 * of them on one). A pure function of (p, P), found by trying `p<p>`,
 * `p<p>.1`, `p<p>.2`, ... in order; computed once per partition count.
 *
 * @example
 * partitionTagName(0, 1) // 'p0' (every slot is partition 0's)
 */
export function partitionTagName(partition: number, partitions: number): string {
  let names = tagNames.get(partitions)
  if (!names) {
    names = Array.from({ length: partitions }, (_, p) => firstTagInShare(p, partitions))
    tagNames.set(partitions, names)
  }
  const name = names[partition]
  if (name === undefined) throw new Error(`partition ${partition} is not in 0..${partitions - 1}`)
  return name
}

/**
 * The slots partition p of P owns: [first, end).
 *
 * @example
 * partitionShare(1, 3) // { first: 5461, end: 10922 }
 */
export function partitionShare(
  partition: number,
  partitions: number,
): { first: number; end: number } {
  return {
    first: Math.floor((partition * CLUSTER_SLOTS) / partitions),
    end: Math.floor(((partition + 1) * CLUSTER_SLOTS) / partitions),
  }
}

function firstTagInShare(partition: number, partitions: number): string {
  const { first, end } = partitionShare(partition, partitions)
  for (let n = 0; ; n++) {
    const name = n === 0 ? `p${partition}` : `p${partition}.${n}`
    const slot = keySlot(`{${name}}`)
    if (slot >= first && slot < end) return name
  }
}

/**
 * An offer's keys in its own partition or, for one bucket of a bucketed
 * sale, in the partition that bucket lives in (`bucketPartition`): a bucket
 * is the sale's stock, meta and buyers keys under another partition's tag.
 *
 * @example
 * offerKeys(space, { kind: 'sale', id }).stock // 'fs:{p0}:sale:<id>:stock'
 * offerKeys(space, { kind: 'sale', id }, 2).stock // 'fs:{p2}:sale:<id>:stock': a bucket on partition 2
 */
export function offerKeys(
  space: KeySpace,
  offer: Offer,
  partition = partitionOf(space, offer.id),
): OfferKeys {
  const base = `${partitionTag(space, partition)}:${offer.kind}:${offer.id}`
  return { stock: `${base}:stock`, meta: `${base}:meta`, buyers: `${base}:buyers`, partition }
}

/**
 * The partition bucket `bucket` of a sale split into `buckets` lives in:
 * bucket 0 in the sale's own partition (`partitionOf`), the others in the
 * partitions after it, so K buckets take K different partitions (hence, on
 * a cluster with the slots split evenly, as many masters as it has, up to K).
 *
 * @example
 * bucketPartition(keySpace('fs:', 3), saleId, 1) // (partitionOf(space, saleId) + 1) % 3
 */
export function bucketPartition(space: KeySpace, saleId: string, bucket: number): number {
  return (partitionOf(space, saleId) + bucket) % space.partitions
}

/**
 * Each bucket's share of a split sale's quantity: an even split, the first
 * `quantity % buckets` buckets one unit more, so they add up to the quantity.
 *
 * @example
 * bucketAllotments(10, 3) // [4, 3, 3]
 */
export function bucketAllotments(quantity: number, buckets: number): number[] {
  const base = Math.floor(quantity / buckets)
  const extra = quantity % buckets
  return Array.from({ length: buckets }, (_, bucket) => base + (bucket < extra ? 1 : 0))
}

/**
 * The bucket that serves a buyer: always the same one for a given bucket
 * count, so the buyer's units, limit and idempotency records stay in one
 * slot and a cancel gives the units back where they were taken.
 *
 * @example
 * buyerBucket(userId, 3) // 0..2
 */
export function buyerBucket(userId: string, buckets: number): number {
  return buckets <= 1 ? 0 : Bun.hash.crc32(userId) % buckets
}

/**
 * Where a buyer's reservation of an offer is decided: the sale's keys in
 * the buyer's bucket (its own partition for a product or an unsplit sale).
 *
 * @example
 * buyerOfferKeys(space, { kind: 'sale', id }, userId, 3).partition // one of the sale's 3 buckets' partitions
 */
export function buyerOfferKeys(
  space: KeySpace,
  offer: Offer,
  userId: string,
  buckets: number,
): OfferKeys {
  if (buckets <= 1) return offerKeys(space, offer)
  return offerKeys(space, offer, bucketPartition(space, offer.id, buyerBucket(userId, buckets)))
}

/**
 * Marks one stock transfer's step as done in a bucket (take-units.lua,
 * give-units.lua), so a step retried after a crash or a timeout happens once.
 *
 * @example
 * transferKey(space, 1, transferId) // 'fs:{p1}:transfer:<id>'
 */
export function transferKey(space: KeySpace, partition: number, transferId: string): string {
  return `${partitionTag(space, partition)}:transfer:${transferId}`
}

/**
 * The pending copy of an order, readable before the writer has put it in MySQL.
 *
 * @example
 * orderKey(space, 0, orderId) // 'fs:{p0}:order:<orderId>'
 */
export function orderKey(space: KeySpace, partition: number, orderId: string): string {
  return `${partitionTag(space, partition)}:order:${orderId}`
}

/**
 * A buyer's idempotency record, scoped to (buyer, offer): two buyers may use
 * the same key, and one buyer's key used for another offer is another
 * request. The offer is in the name, not just its partition's tag, so that
 * rule does not depend on whether two offers happen to share a partition.
 *
 * @example
 * idempotencyKey(space, 0, userId, saleId, 'checkout-42') // 'fs:{p0}:idem:<userId>:<saleId>:checkout-42'
 */
export function idempotencyKey(
  space: KeySpace,
  partition: number,
  userId: string,
  offerId: string,
  key: string,
): string {
  return `${partitionTag(space, partition)}:idem:${userId}:${offerId}:${key}`
}

/**
 * One stream per event type and partition.
 *
 * @example
 * streamKey(space, 0, 'orders') // 'fs:{p0}:stream:orders'
 */
export function streamKey(space: KeySpace, partition: number, type: string): string {
  return `${partitionTag(space, partition)}:stream:${type}`
}

/**
 * A fixed-window rate counter, in the partition of the offer being bought so
 * the reserve script can count and decide in the same call.
 *
 * @example
 * rateKey(space, 0, 'buyer', userId) // 'fs:{p0}:rate:buyer:<userId>'
 */
export function rateKey(
  space: KeySpace,
  partition: number,
  kind: 'buyer' | 'client',
  id: string,
): string {
  return `${partitionTag(space, partition)}:rate:${kind}:${id}`
}

/**
 * The partition's generation marker: the id of the Redis server (its
 * `master_replid`) on which the partition's state was last rebuilt from
 * MySQL or checked against it. Every script that decides on an offer or an
 * order reads it first, in the same call, and refuses while it is missing or
 * names another server (a restart, a restore, a failover): see generation.ts.
 *
 * @example
 * generationKey(space, 0) // 'fs:{p0}:generation'
 */
export function generationKey(space: KeySpace, partition: number): string {
  return `${partitionTag(space, partition)}:generation`
}

/**
 * Held by the one process rebuilding a partition (SET NX PX, a token of its own).
 *
 * @example
 * recoveryLockKey(space, 0) // 'fs:{p0}:recovery:lock'
 */
export function recoveryLockKey(space: KeySpace, partition: number): string {
  return `${partitionTag(space, partition)}:recovery:lock`
}

/**
 * The worker's e-mail outbox: which Resend batch claimed an e-mail's
 * idempotency key, and that batch as it was sent, so an interrupted batch is
 * only ever sent again unchanged.
 *
 * @example
 * emailClaimKey(space, 0, 'order_paid:<orderId>') // 'fs:{p0}:email:claim:order_paid:<orderId>'
 */
export function emailClaimKey(space: KeySpace, partition: number, emailKey: string): string {
  return `${partitionTag(space, partition)}:email:claim:${emailKey}`
}

/**
 * @example
 * emailBatchKey(space, 0, batchId) // 'fs:{p0}:email:batch:<batchId>'
 */
export function emailBatchKey(space: KeySpace, partition: number, batchId: string): string {
  return `${partitionTag(space, partition)}:email:batch:${batchId}`
}

/**
 * Where logout leaves its marks. Each partition keeps its own copy, so the
 * reserve script can check a buyer's token in the same call (and slot) that
 * places the order: the hot path stays one Redis round trip.
 *
 * - token: this access token id (jti) is revoked (logout), until it would have expired;
 * - user: every token of this user issued at or before this time (epoch seconds)
 *   is revoked (logout-all, a reused refresh token).
 *
 * @example
 * revocationKeys(space, 0, tokenId, userId) // { token: 'fs:{p0}:revoked:token:<jti>', user: 'fs:{p0}:revoked:user:<id>' }
 */
export function revocationKeys(
  space: KeySpace,
  partition: number,
  tokenId: string,
  userId: string,
): { token: string; user: string } {
  const tag = partitionTag(space, partition)
  return { token: `${tag}:revoked:token:${tokenId}`, user: `${tag}:revoked:user:${userId}` }
}

/** Redis Cluster's slot count, fixed by the protocol. */
export const CLUSTER_SLOTS = 16384

/** CRC16-CCITT (XMODEM) by table, as Redis computes key slots (cluster.c, crc16.c). */
const CRC16_TABLE = Uint16Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8
  for (let bit = 0; bit < 8; bit++)
    crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  return crc
})

function crc16(bytes: Uint8Array): number {
  let crc = 0
  for (const byte of bytes)
    crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ byte) & 0xff] as number)
  return crc
}

/**
 * The cluster slot of a key, as `CLUSTER KEYSLOT` answers: CRC16 of its hash
 * tag (the text between the first `{` and the next `}`, when not empty) or of
 * the whole key, modulo 16384.
 *
 * @example
 * keySlot('fs:{p0}:stream:orders') === keySlot('{p0}') // true
 */
export function keySlot(key: string): number {
  const bytes = new TextEncoder().encode(key)
  const open = bytes.indexOf(0x7b)
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1)
    if (close > open + 1) return crc16(bytes.subarray(open + 1, close)) % CLUSTER_SLOTS
  }
  return crc16(bytes) % CLUSTER_SLOTS
}
