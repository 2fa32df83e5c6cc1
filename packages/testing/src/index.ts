export { craftToken } from './craft-token.ts'
export { type TestDatabase, testDatabase } from './database.ts'
export { createBuyers, createProduct, createSale, type SaleFixture } from './fixtures.ts'
export {
  type ParsedFamily,
  type ParsedMetrics,
  type ParsedSample,
  parseMetrics,
} from './metrics-text.ts'
export { type PrivateRedis, privateRedis } from './private-redis.ts'
export { type TestRedis, testRedis } from './redis.ts'
export { spawnApp } from './spawn-app.ts'
export { testTokens } from './tokens.ts'
export { waitFor } from './wait-for.ts'
export {
  type Credential,
  credentials,
  startWholeStack,
  type WholeStack,
  type WholeStackOptions,
} from './whole-stack.ts'
