import { Elysia, t } from 'elysia'

/**
 * `GET /time`: the server's clock, for clients that must count down to a
 * sale's start by the server's time rather than their own (a phone's clock
 * may be minutes off). Never cached: a stored answer would be a wrong time.
 *
 * @example
 * new Elysia().use(clockController())
 * // GET /time -> { now: '2026-12-01T20:54:01.123Z' }
 */
export function clockController(now: () => Date = () => new Date()) {
  return new Elysia().get(
    '/time',
    ({ set }) => {
      set.headers['cache-control'] = 'no-store'
      return { now: now().toISOString() }
    },
    {
      response: t.Object({ now: t.String({ format: 'date-time' }) }),
      detail: {
        summary: "The server's clock, for countdowns",
        description: 'ISO 8601 UTC with milliseconds; `Cache-Control: no-store`.',
      },
    },
  )
}

export type ClockApp = ReturnType<typeof clockController>
