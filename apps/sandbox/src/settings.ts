/** What the provider does with one charge, when a test scripts it (`Settings.next`). */
export type ScriptedCharge = {
  outcome: 'succeeded' | 'declined' | 'rejected'
  /** Milliseconds the charge stays `processing` before it is decided (default: latencyMs). */
  delayMs?: number
  /** The charge is made, and the connection drops before its answer is sent. */
  loseAnswer?: boolean
}

/**
 * How the stand-in payment provider behaves right now. One mutable object,
 * shared by the payments and control modules, so `POST /control` takes
 * effect on the next call without a restart.
 */
export type Settings = {
  /** Share of payments declined, 0..1. */
  declineRate: number
  /** Share of charges refused as invalid requests (422, nothing charged), 0..1. */
  rejectRate: number
  /** Share of charges made whose answer is lost (the connection drops), 0..1. */
  lostAnswerRate: number
  /** Added before every payment call answers, to make timeouts and overlaps reproducible. */
  latencyMs: number
  /** While true every payment call answers 503 and charges nothing. */
  outage: boolean
  /** Non-empty: every random decision is a pure function of order id and seed (exact tests). */
  seed: string
  /** The next new charges' fates, in arrival order, before any rate is drawn. */
  next: ScriptedCharge[]
}

/** Everything off: charges succeed at once. */
export const calmSettings: Settings = {
  declineRate: 0,
  rejectRate: 0,
  lostAnswerRate: 0,
  latencyMs: 0,
  outage: false,
  seed: '',
  next: [],
}
