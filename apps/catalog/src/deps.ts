import type { Db } from '@flash/db/client'
import type { KeySpace, RedisClient } from '@flash/redis'

/** What every catalog service function needs; routes, the seed and tests build the same thing. */
export type CatalogDeps = {
  db: Db
  redis: RedisClient
  space: KeySpace
  /** The clock sale windows are judged by; injectable so tests never wait for time to pass. */
  now: () => Date
  log: (line: string) => void
}
