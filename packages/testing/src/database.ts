import { defaults } from '@flash/config'
import { connectDb, type Db, dropDatabase, migrateDb } from '@flash/db/client'

export type TestDatabase = { url: string; db: Db; [Symbol.asyncDispose]: () => Promise<void> }

const migrationsFolder = new URL('../../../drizzle', import.meta.url).pathname

/**
 * A fresh, migrated database of its own for one test file, dropped on dispose.
 * The server comes from DATABASE_URL (set by `bun run test`).
 *
 * @example
 * await using database = await testDatabase()
 * await database.db.select().from(orders)
 */
export async function testDatabase(): Promise<TestDatabase> {
  const base = new URL(Bun.env.DATABASE_URL ?? defaults.databaseUrl)
  base.pathname = `/t_${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}`
  const url = base.toString()
  await migrateDb(url, migrationsFolder)
  const { db, close } = connectDb(url, { connectionLimit: 8 })
  return {
    url,
    db,
    async [Symbol.asyncDispose]() {
      await close()
      await dropDatabase(url)
    },
  }
}
