import { t } from 'elysia'
import { limits } from './limits.ts'
import { rule } from './schema-messages.ts'

/** One page of a list; `nextCursor` is null on the last page. */
export type Page<T> = { items: T[]; nextCursor: string | null }

/** `?cursor&limit` of every list route. */
export const pageQueryFields = {
  cursor: t.Optional(
    t.String({
      format: 'uuid',
      description: 'nextCursor of the previous page',
      ...rule('query.cursor', 'must be the nextCursor of a previous page'),
    }),
  ),
  limit: t.Optional(
    t.Integer({
      minimum: 1,
      maximum: limits.pageSize.max,
      default: limits.pageSize.default,
      ...rule('query.limit', `must be an integer from 1 to ${limits.pageSize.max}`),
    }),
  ),
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
