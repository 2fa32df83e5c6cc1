import type { Db } from '@flash/db/client'
import { getTableColumns, getTableName, type SQL, sql } from 'drizzle-orm'
import type { MySqlTable } from 'drizzle-orm/mysql-core'
import { escapeId, escape as escapeValue } from 'mysql2'

type Executor = Pick<Db, 'execute'>

/**
 * One multi-row INSERT for a batch, written as text instead of through
 * Drizzle's query builder. The builder turns every value into an SQL chunk
 * and renders them one by one, which made it a fifth of the worker's CPU in
 * the drain profile (`bun bench/drain/profile.ts`) for batches of hundreds of
 * rows; here each value goes through the column's own `mapToDriverValue` and
 * mysql2's `escape` (what mysql2 does with the builder's parameters anyway)
 * and the statement is joined once. Every row must name the same columns.
 *
 * @example
 * await insertRows(tx, shipments, rows, 'order_id = order_id') // ON DUPLICATE KEY UPDATE order_id = order_id
 */
export async function insertRows<T extends MySqlTable>(
  db: Executor,
  table: T,
  rows: readonly T['$inferInsert'][],
  /** The ON DUPLICATE KEY UPDATE clause, SQL text written by the caller (never from data). */
  onDuplicateKeyUpdate: string,
): Promise<void> {
  const [first] = rows
  if (!first) return
  const columns = getTableColumns(table)
  const fields = Object.keys(first).map((key) => {
    const column = columns[key]
    if (!column) throw new Error(`${getTableName(table)} has no column ${key}`)
    return { key, column }
  })
  const values = rows.map((row) => {
    const record = row as Record<string, unknown>
    const cells = fields.map(({ key, column }) => {
      const value = record[key]
      const cell = value === null || value === undefined ? null : column.mapToDriverValue(value)
      return escapeValue(cell as Parameters<typeof escapeValue>[0])
    })
    return `(${cells.join(',')})`
  })
  const names = fields.map(({ column }) => escapeId(column.name)).join(',')
  await db.execute(
    sql.raw(
      `insert into ${escapeId(getTableName(table))} (${names}) values ${values.join(',')} on duplicate key update ${onDuplicateKeyUpdate}`,
    ),
  )
}

/**
 * A list of values for `in (...)`, escaped once as text rather than one
 * builder parameter per value (see `insertRows`).
 *
 * @example
 * await db.select().from(orders).where(sql`${orders.id} in ${inList(ids)}`)
 */
export function inList(values: readonly (string | number)[]): SQL {
  if (values.length === 0) throw new Error('inList needs at least one value')
  return sql.raw(`(${values.map((value) => escapeValue(value)).join(',')})`)
}
