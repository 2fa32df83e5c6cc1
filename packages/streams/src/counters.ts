/** Running totals of one consumer since it started. */
export type ConsumerCounters = {
  /** Events handled and acknowledged. */
  handled: number
  /** Events whose delivery failed and that were left pending for another one. */
  failed: number
  /** Entries sent to the dead-letter stream (malformed, deleted or poison) and acknowledged. */
  deadLettered: number
  /** Entries the janitor took over from other consumers. */
  claimed: number
}
