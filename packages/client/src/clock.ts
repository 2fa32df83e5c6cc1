import { err, ok, type Result } from 'neverthrow'
import { settle } from './answers.ts'
import type { Api } from './api.ts'
import type { ApiError } from './errors.ts'

/** Round trips one `sync()` makes; the quickest one gives the estimate. */
const SAMPLES = 5

export type ServerClock = {
  /** Epoch milliseconds on the server's clock (this device's clock until the first sync). */
  now(): number
  /**
   * Measures how far this device's clock is from the server's, from a few
   * round trips to `GET /time`. A sync that gets no answer keeps the last
   * estimate and says why.
   */
  sync(): Promise<Result<void, ApiError>>
  /** The server's clock minus this device's, in milliseconds (0 until a sync succeeded). */
  offsetMs(): number
  /** Whether a sync has succeeded at least once. */
  synced(): boolean
}

/**
 * The server's clock, as NTP estimates it: the server read its clock
 * somewhere between sending and receiving, the midpoint is the best guess,
 * and the round trip with the least time on the wire is the most exact
 * (its error is at most half that round trip).
 *
 * @example
 * const clock = serverClock(api, 15_000)
 * await clock.sync()
 * const msUntilStart = Date.parse(sale.startsAt) - clock.now()
 */
export function serverClock(
  api: Pick<Api, 'gateway'>,
  timeoutMs: number,
  monotonic: () => number = () => performance.now(),
): ServerClock {
  let offset = 0
  let synced = false
  return {
    now: () => Date.now() + offset,
    offsetMs: () => offset,
    synced: () => synced,
    async sync() {
      let best: { roundTrip: number; offset: number } | undefined
      let failure: ApiError | undefined
      for (let i = 0; i < SAMPLES; i++) {
        const sentWall = Date.now()
        const sent = monotonic()
        const answer = await settle(api.gateway.time.get(), 'json', timeoutMs)
        const roundTrip = monotonic() - sent
        const server = answer.isOk() ? Date.parse(answer.value.now) : Number.NaN
        if (answer.isErr()) {
          // No answer now is no answer on the next try either: the last estimate stays.
          failure = answer.error
          break
        }
        if (Number.isNaN(server)) continue
        const sample = { roundTrip, offset: server - (sentWall + roundTrip / 2) }
        if (best === undefined || sample.roundTrip < best.roundTrip) best = sample
      }
      if (best === undefined)
        return err(
          failure ?? { status: 200, code: 'unexpected_answer', message: '/time sent no time' },
        )
      offset = Math.round(best.offset)
      synced = true
      return ok(undefined)
    },
  }
}
