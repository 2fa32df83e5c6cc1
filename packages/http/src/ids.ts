import { t } from 'elysia'

type StringOptions = NonNullable<Parameters<typeof t.String>[0]>

/** A UUID (any version), as the apps mint them (UUIDv7). */
export const UUID_PATTERN =
  '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'

/**
 * An id field. A pattern, not `format: 'uuid'`: importing @elysiajs/openapi
 * replaces TypeBox's uuid format with a check that builds a zod schema on
 * every call, too dear for the order path.
 *
 * @example
 * t.Object({ saleId: idString({ description: 'a sale id' }) })
 */
export function idString(options: StringOptions = {}) {
  return t.String({ ...options, pattern: UUID_PATTERN })
}
