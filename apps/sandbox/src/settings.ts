/**
 * How the stand-in payment provider behaves right now. One mutable object,
 * shared by the payments and control modules, so `POST /control` takes
 * effect on the next call without a restart.
 */
export type Settings = {
  /** Share of payments declined, 0..1. */
  declineRate: number
  /** Added before every payment call answers, to make timeouts and overlaps reproducible. */
  latencyMs: number
  /** While true every payment call answers 503 and charges nothing. */
  outage: boolean
  /** Non-empty: the decline decision is a pure function of order id and seed (exact tests). */
  seed: string
}
