import { t } from 'elysia'

// A pattern, not format: 'uuid' (see orders/model.ts: the openapi plugin makes that format slow).
const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'

export const InternalModel = {
  userParams: t.Object({ userId: t.String({ pattern: UUID }) }),
  recentQuery: t.Object({
    limit: t.Optional(t.Integer({ minimum: 1, maximum: 50, default: 10 })),
  }),
}
