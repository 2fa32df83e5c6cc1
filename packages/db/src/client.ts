import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2'
import { migrate } from 'drizzle-orm/mysql2/migrator'
import mysql from 'mysql2/promise'
import * as schema from './schema.ts'

export type Db = MySql2Database<typeof schema>
export type DbHandle = { db: Db; pool: mysql.Pool; close: () => Promise<void> }

/**
 * Opens a connection pool. Dates are exchanged in UTC whatever the server's
 * time zone, so a `datetime` written by one app reads back the same in another.
 *
 * @example
 * const { db, close } = connectDb('mysql://root@127.0.0.1:3306/flashsale')
 * await db.select().from(orders).limit(1)
 * await close()
 */
export function connectDb(url: string, options: { connectionLimit?: number } = {}): DbHandle {
  const pool = mysql.createPool({
    uri: url,
    timezone: 'Z',
    connectionLimit: options.connectionLimit ?? 10,
    dateStrings: false,
    supportBigNumbers: true,
  })
  const db = drizzle(pool, { schema, mode: 'default' })
  return { db, pool, close: () => pool.end() }
}

/**
 * Creates the database named in `url` if it does not exist yet, then applies
 * every migration in `migrationsFolder` that has not been applied.
 *
 * @example
 * await migrateDb('mysql://root@127.0.0.1:3306/flashsale', 'drizzle')
 */
export async function migrateDb(url: string, migrationsFolder: string): Promise<void> {
  await ensureDatabase(url)
  const { db, close } = connectDb(url, { connectionLimit: 1 })
  try {
    await migrate(db, { migrationsFolder })
  } finally {
    await close()
  }
}

/**
 * Creates the database that `url` names, connecting without selecting it.
 *
 * @example
 * await ensureDatabase('mysql://root@127.0.0.1:3306/t_abc123')
 */
export async function ensureDatabase(url: string): Promise<void> {
  const name = databaseName(url)
  const conn = await mysql.createConnection({ uri: serverUrl(url) })
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4`)
  } finally {
    await conn.end()
  }
}

/**
 * Drops the database that `url` names; tests use it to clean up after themselves.
 *
 * @example
 * await dropDatabase('mysql://root@127.0.0.1:3306/t_abc123')
 */
export async function dropDatabase(url: string): Promise<void> {
  const conn = await mysql.createConnection({ uri: serverUrl(url) })
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${databaseName(url)}\``)
  } finally {
    await conn.end()
  }
}

/**
 * The database name of a mysql:// URL; refuses names that would need quoting.
 *
 * @example
 * databaseName('mysql://root@127.0.0.1/flashsale') // 'flashsale'
 */
export function databaseName(url: string): string {
  const name = new URL(url).pathname.replace(/^\//, '')
  if (!/^[A-Za-z0-9_]+$/.test(name))
    throw new Error(`DATABASE_URL must name a database (got "${name}")`)
  return name
}

function serverUrl(url: string): string {
  const u = new URL(url)
  u.pathname = '/'
  return u.toString()
}
