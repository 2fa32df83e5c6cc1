import type { Db } from '@flash/db/client'
import type { KeySpace } from '@flash/redis'
import type Redis from 'ioredis'

/** What every catalog service function needs; routes, the seed and tests build the same thing. */
export type CatalogDeps = {
  db: Db
  redis: Redis
  space: KeySpace
  /** The clock sale windows are judged by; injectable so tests never wait for time to pass. */
  now: () => Date
  log: (line: string) => void
}
