export type { Later } from './attempt.ts'
export { type GroupBacklog, readBacklogs } from './backlog.ts'
export {
  type BatchHandler,
  type Consumer,
  type ConsumerOptions,
  startConsumer,
} from './consumer.ts'
export type { ConsumerCounters } from './counters.ts'
export {
  type DeadLetter,
  type DeadLetterKind,
  deadLetteredKey,
  readDeadLetters,
  writeDeadLetters,
} from './dead-letter.ts'
export { ensureGroup, JSON_FIELD, jsonEntry, type StreamEntry, toEntries } from './entries.ts'
export { failuresKey } from './failures.ts'
export { type StreamStats, streamStats } from './stats.ts'
export { trimAcknowledged } from './trim.ts'
export { waitedLongerThan } from './waiting.ts'
