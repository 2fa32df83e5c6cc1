import type Redis from 'ioredis'

/** One stream entry; `fields` is null when the entry was deleted while pending. */
export type StreamEntry = { id: string; fields: Record<string, string> | null }

type RawEntry = [id: string, fields: string[] | null]
type RawReply = [stream: string, entries: RawEntry[]][] | null

/**
 * Flattens an XREADGROUP/XRANGE reply for one stream into entries.
 *
 * @example
 * toEntries(await redis.xreadgroup('GROUP', g, c, 'STREAMS', key, '>'))
 */
export function toEntries(reply: unknown): StreamEntry[] {
  const streams = reply as RawReply
  if (!streams) return []
  return streams.flatMap(([, entries]) =>
    entries.map(([id, flat]) => ({ id, fields: flat ? pairs(flat) : null })),
  )
}

function pairs(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] as string] = flat[i + 1] as string
  return out
}

/**
 * Creates the consumer group (and the stream) if missing, reading from the
 * stream's beginning so no entry written before the group existed is skipped.
 *
 * @example
 * await ensureGroup(redis, 'fs:{p0}:stream:orders', 'order-writer')
 */
export async function ensureGroup(redis: Redis, stream: string, group: string): Promise<void> {
  try {
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM')
  } catch (error) {
    if (!String(error).includes('BUSYGROUP')) throw error
  }
}
