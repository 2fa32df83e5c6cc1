import { t } from 'elysia'

export const ControlModel = {
  changeBody: t.Object(
    {
      declineRate: t.Optional(t.Number({ minimum: 0, maximum: 1 })),
      rejectRate: t.Optional(t.Number({ minimum: 0, maximum: 1 })),
      lostAnswerRate: t.Optional(t.Number({ minimum: 0, maximum: 1 })),
      latencyMs: t.Optional(t.Number({ multipleOf: 1, minimum: 0, maximum: 60_000 })),
      outage: t.Optional(t.Boolean()),
      seed: t.Optional(t.String({ maxLength: 128, description: "'' for random declines" })),
      next: t.Optional(
        t.Array(
          t.Object(
            {
              outcome: t.Union([
                t.Literal('succeeded'),
                t.Literal('declined'),
                t.Literal('rejected'),
              ]),
              delayMs: t.Optional(t.Number({ multipleOf: 1, minimum: 0, maximum: 60_000 })),
              loseAnswer: t.Optional(t.Boolean()),
            },
            { additionalProperties: false },
          ),
          { maxItems: 1000, description: 'the next new charges, in arrival order' },
        ),
      ),
    },
    { additionalProperties: false },
  ),
}
