import type { Db } from '@flash/db/client'
import type { KeySpace, RedisClient } from '@flash/redis'

/** What every consumer and schedule of the worker shares. */
export type WorkerContext = {
  redis: RedisClient
  db: Db
  space: KeySpace
  log: (line: string) => void
  /** How long an order's live state is kept: while it can change, and once finished. */
  orderStateTtlSeconds: number
  finishedOrderTtlSeconds: number
}
