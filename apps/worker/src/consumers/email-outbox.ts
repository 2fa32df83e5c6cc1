import type { RedisClient } from '@flash/redis'
import { emailBatchKey, emailClaimKey, type KeySpace } from '@flash/redis'
import type { CreateBatchEmailOptions } from 'resend'

/** Resend's limit per `POST /emails/batch`. */
export const BATCH_LIMIT = 100

/** As long as Resend remembers an idempotency key: a batch can be sent again unchanged until then. */
const INTENT_TTL_SECONDS = 24 * 60 * 60

/** A batch about to go to Resend: its idempotency key, and the e-mails with their keys, in order. */
export type MailBatch = { id: string; keys: string[]; emails: CreateBatchEmailOptions[] }

/**
 * What the e-mail consumer has promised to send, kept in Redis from before a
 * batch goes out until it is on record in MySQL. Resend's batch endpoint
 * takes one idempotency key for the whole request, so a batch that may have
 * gone out must be sent again exactly as it was, under the same key, never
 * recomposed: each e-mail key is claimed by one batch (`claims`), and the
 * batch's body is stored under its id. Claims and bodies are written in one
 * MULTI after a WATCH of the claims, so two consumers holding copies of the
 * same e-mail request can never put it in two batches.
 *
 * Keys live in the partition's hash tag: a WATCH and MULTI over them stays
 * in one slot on Redis Cluster.
 *
 * @example
 * const outbox = mailOutbox(redis.duplicate(), space, 0)
 */
export function mailOutbox(watcher: RedisClient, space: KeySpace, p: number) {
  const claimKey = (key: string) => emailClaimKey(space, p, key)
  const batchKey = (id: string) => emailBatchKey(space, p, id)

  return {
    /** Stops watching and closes the outbox's own connection. */
    close: () => watcher.disconnect(),

    /**
     * Claims the e-mails of `plan` for new batches, unless another batch
     * claimed one of them since `watch` (null: look again and re-plan).
     * `watch` answers which keys a batch already holds, by batch id, and
     * must come first: a batch is put on record before its claims go, so a
     * key that is neither claimed nor on record is free.
     */
    async watch(keys: string[]): Promise<Map<string, string>> {
      const claimKeys = keys.map(claimKey)
      await watcher.watch(...claimKeys)
      const held = await watcher.mget(...claimKeys)
      const claimed = new Map<string, string>()
      held.forEach((id, i) => {
        if (id !== null) claimed.set(keys[i] as string, id)
      })
      return claimed
    },
    unwatch: () => watcher.unwatch(),
    async claim(batches: MailBatch[]): Promise<boolean> {
      const tx = watcher.multi()
      for (const batch of batches) {
        tx.set(batchKey(batch.id), JSON.stringify(batch), 'EX', INTENT_TTL_SECONDS)
        for (const key of batch.keys) tx.set(claimKey(key), batch.id, 'EX', INTENT_TTL_SECONDS)
      }
      const replies = await tx.exec()
      if (replies === null) return false
      for (const [error] of replies) if (error) throw error
      return true
    },

    /** The batches claimed earlier, as they were stored; a missing one has been recorded since. */
    async stored(ids: string[]): Promise<MailBatch[]> {
      if (ids.length === 0) return []
      const bodies = await watcher.mget(...ids.map(batchKey))
      return bodies.flatMap((body) => (body === null ? [] : [JSON.parse(body) as MailBatch]))
    },

    /** Forgets batches that are on record (or that were refused whole, so nothing went out). */
    async release(batches: MailBatch[]): Promise<void> {
      if (batches.length === 0) return
      await watcher.del(
        ...batches.flatMap((batch) => [batchKey(batch.id), ...batch.keys.map(claimKey)]),
      )
    },
  }
}

export type MailOutbox = ReturnType<typeof mailOutbox>
