/**
 * `bun run db:migrate`: applies drizzle/ to DATABASE_URL, creating the database if needed.
 */
import { defaults } from '@flash/config'
import { migrateDb } from '@flash/db/client'
import { migrationsFolder } from './lib/services.ts'

const url = Bun.env.DATABASE_URL ?? defaults.databaseUrl
try {
  await migrateDb(url, migrationsFolder)
  console.log(`migrated ${new URL(url).pathname.slice(1)} on ${new URL(url).host}`)
} catch (error) {
  console.error(`migration failed for ${new URL(url).host}: ${(error as Error).message}`)
  console.error(
    'Is MySQL running? `bun run start` finds or starts one; or run `docker compose up -d redis mysql`.',
  )
  process.exit(1)
}
