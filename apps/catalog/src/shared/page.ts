import { idString } from '@flash/http'
import { t } from 'elysia'
import { limits } from './limits.ts'
import { rule } from './schema-messages.ts'

/** One page of a list; `nextCursor` is null on the last page. */
export type Page<T> = { items: T[]; nextCursor: string | null }

/** `?cursor&limit` of every list route. */
export const pageQueryFields = {
  cursor: t.Optional(
    idString({
      description: 'nextCursor of the previous page',
      ...rule('query.cursor', 'must be the nextCursor of a previous page'),
    }),
  ),
  limit: t.Optional(
    t.Integer({
      minimum: 1,
      maximum: limits.pageSize.max,
      default: limits.pageSize.default,
      ...rule(
        'query.limit',
        `must be an integer from 1 to ${limits.pageSize.max} (pages are capped at ${limits.pageSize.max})`,
      ),
    }),
  ),
}

/**
 * The query schema of a list route. With `normalize: false` an object
 * refuses properties it does not name; that is wanted for bodies, but a URL
 * collects parameters the API never sees (cache busters, tracking tags),
 * so a query ignores the ones it does not know.
 *
 * @example
 * const listQuery = listQueryOf({ status: t.Optional(t.String()), ...pageQueryFields })
 */
export function listQueryOf<P extends Parameters<typeof t.Object>[0]>(properties: P) {
  return t.Object(properties, { additionalProperties: true })
}

/**
 * Trims rows fetched with `limit + 1` to a page: the extra row only tells
 * whether another page exists, so no COUNT is ever needed. Ids are UUIDv7,
 * time-ordered, so the last id shown is the cursor of the next page.
 *
 * @example
 * const rows = await db.select().from(products).orderBy(desc(products.id)).limit(limit + 1)
 * pageOf(rows, limit) // { rows: first `limit` rows, nextCursor: last id or null }
 */
export function pageOf<R extends { id: string }>(
  rows: R[],
  limit: number,
): { rows: R[]; nextCursor: string | null } {
  const shown = rows.slice(0, limit)
  return { rows: shown, nextCursor: rows.length > limit ? (shown.at(-1)?.id ?? null) : null }
}
