import type { RedisClient } from '@flash/redis'

/** One stream entry; `fields` is null when the entry was deleted while pending. */
export type StreamEntry = { id: string; fields: Record<string, string> | null }

type RawEntry = [id: string, fields: string[] | null]
type RawReply = [stream: string, entries: RawEntry[]][] | null

/**
 * The one field every entry of every stream is written in, holding JSON: an
 * event's object of string values (`jsonEntry`), or a dead letter
 * (`writeDeadLetters`). A reader then decodes two strings per entry, however
 * many fields it has.
 */
export const JSON_FIELD = 'json'

/**
 * The fields to XADD for an event: `[JSON_FIELD, its JSON]`.
 *
 * @example
 * redis.xadd(stream, '*', ...jsonEntry({ type: 'shipping.requested', orderId }))
 */
export function jsonEntry(fields: Record<string, string>): [string, string] {
  return [JSON_FIELD, JSON.stringify(fields)]
}

/**
 * Decodes an XREADGROUP/XRANGE reply for one stream into its events.
 *
 * @example
 * toEntries(await redis.xreadgroup('GROUP', g, c, 'STREAMS', key, '>'))
 */
export function toEntries(reply: unknown): StreamEntry[] {
  const streams = reply as RawReply
  if (!streams) return []
  return streams.flatMap(([, entries]) =>
    entries.map(([id, flat]) => ({ id, fields: flat ? eventOf(flat) : null })),
  )
}

/**
 * The object of strings in the entry's JSON_FIELD. An entry that is anything
 * else was written by a bug: it is handed on as its text under JSON_FIELD, for
 * the consumer's decode to refuse and its dead letter to keep.
 */
function eventOf(flat: string[]): Record<string, string> {
  const text =
    flat.length === 2 && flat[0] === JSON_FIELD ? (flat[1] as string) : JSON.stringify(flat)
  try {
    const value: unknown = JSON.parse(text)
    if (
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      Object.values(value).every((field) => typeof field === 'string')
    )
      return value as Record<string, string>
  } catch {}
  return { [JSON_FIELD]: text }
}

/**
 * Creates the consumer group (and the stream) if missing, reading from the
 * stream's beginning so no entry written before the group existed is skipped.
 * True when this call created it, false when it existed already.
 *
 * @example
 * await ensureGroup(redis, 'fs:{p0}:stream:orders', 'order-writer') // true the first time
 */
export async function ensureGroup(
  redis: RedisClient,
  stream: string,
  group: string,
): Promise<boolean> {
  try {
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM')
    return true
  } catch (error) {
    if (!String(error).includes('BUSYGROUP')) throw error
    return false
  }
}
