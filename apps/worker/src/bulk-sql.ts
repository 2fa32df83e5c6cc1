import type { Db } from '@flash/db/client'
import { Column, getTableColumns, getTableName, type SQL, sql } from 'drizzle-orm'
import type { MySqlTable } from 'drizzle-orm/mysql-core'
import { escapeId, escape as escapeValue } from 'mysql2'

type Executor = Pick<Db, 'execute'>

/**
 * One multi-row INSERT for a batch, written as text instead of through
 * Drizzle's query builder. The builder turns every value into an SQL chunk
 * and renders them one by one, a large share of the worker's CPU for batches
 * of hundreds of rows; here each value goes through the column's own
 * `mapToDriverValue` and mysql2's `escape` (what mysql2 does with the
 * builder's parameters anyway) and the statement is joined once. Every row
 * must name the same columns.
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
  const literals = fields.map(({ column }) => literalOf(column))
  const values = rows.map((row) => {
    const record = row as Record<string, unknown>
    let tuple = '('
    for (let f = 0; f < fields.length; f++) {
      if (f > 0) tuple += ','
      tuple += (literals[f] as Literal)(record[(fields[f] as { key: string }).key])
    }
    return `${tuple})`
  })
  const names = fields.map(({ column }) => escapeId(column.name)).join(',')
  await db.execute(
    sql.raw(
      `insert into ${escapeId(getTableName(table))} (${names}) values ${values.join(',')} on duplicate key update ${onDuplicateKeyUpdate}`,
    ),
  )
}

type Literal = (value: unknown) => string

/** Characters that need no escaping inside a quoted MySQL string (ids, enum values, keys). */
const PLAIN = /^[\w\-:. @+<>]*$/

/**
 * How one column's values become SQL text: what the column's own
 * `mapToDriverValue` and mysql2's `escape` make of them, with the common cases
 * done directly (plain strings, numbers, and one Date reused by every row,
 * such as a batch's `now`, formatted once).
 */
function literalOf(column: Column): Literal {
  const identity = column.mapToDriverValue === Column.prototype.mapToDriverValue
  let lastDate: Date | undefined
  let lastText = ''
  return (value) => {
    if (value === null || value === undefined) return 'NULL'
    if (identity && typeof value === 'string' && PLAIN.test(value)) return `'${value}'`
    if (identity && typeof value === 'number' && Number.isFinite(value)) return String(value)
    if (value instanceof Date && value === lastDate) return lastText
    const text = escapeValue(column.mapToDriverValue(value) as Parameters<typeof escapeValue>[0])
    if (value instanceof Date) {
      lastDate = value
      lastText = text
    }
    return text
  }
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
