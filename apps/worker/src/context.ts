import type { Db } from '@flash/db/client'
import type { KeySpace } from '@flash/redis'
import type Redis from 'ioredis'

/** What every consumer and schedule of the worker shares. */
export type WorkerContext = {
  redis: Redis
  db: Db
  space: KeySpace
  log: (line: string) => void
  /** How long an order's live state is kept: while it can change, and once finished. */
  orderStateTtlSeconds: number
  finishedOrderTtlSeconds: number
}
