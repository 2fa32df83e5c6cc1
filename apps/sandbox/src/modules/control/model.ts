import { t } from 'elysia'

export const ControlModel = {
  changeBody: t.Object(
    {
      declineRate: t.Optional(t.Number({ minimum: 0, maximum: 1 })),
      latencyMs: t.Optional(t.Number({ multipleOf: 1, minimum: 0, maximum: 60_000 })),
      outage: t.Optional(t.Boolean()),
      seed: t.Optional(t.String({ maxLength: 128, description: "'' for random declines" })),
    },
    { additionalProperties: false },
  ),
}
