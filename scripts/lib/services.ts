import { defaults } from '@flash/config'
import { ensureServices, MissingServiceError, parseAppendfsync } from '@flash/devstack'

const repoRoot = new URL('../..', import.meta.url).pathname

/**
 * Redis and MySQL for `bun run start` and `bun run test`: the ones at
 * REDIS_URL / DATABASE_URL if they answer, otherwise private ones started
 * under `.data/`. Exits with a message saying what to install when neither works.
 */
export async function findOrStartServices(log: (line: string) => void) {
  try {
    return await ensureServices({
      redisUrl: Bun.env.REDIS_URL ?? defaults.redisUrl,
      databaseUrl: Bun.env.DATABASE_URL ?? defaults.databaseUrl,
      dataDir: `${repoRoot}.data`,
      // A private Redis fsyncs its append-only file once a second, or before every acknowledgement.
      redisAppendfsync: parseAppendfsync(Bun.env.REDIS_APPENDFSYNC),
      log,
    })
  } catch (error) {
    if (error instanceof MissingServiceError) {
      console.error(`\n${error.message}\n`)
      process.exit(1)
    }
    throw error
  }
}

export const migrationsFolder = `${repoRoot}drizzle`
export { repoRoot }
