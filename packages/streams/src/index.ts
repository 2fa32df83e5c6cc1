export {
  type BatchHandler,
  type Consumer,
  type ConsumerOptions,
  startConsumer,
} from './consumer.ts'
export { ensureGroup, type StreamEntry, toEntries } from './entries.ts'
