export { type EnsureServicesOptions, ensureServices } from './ensure-services.ts'
export { freePort } from './free-port.ts'
export { ensureMysql } from './mariadb-server.ts'
export { type ProbeResult, probeMysql, probeRedis } from './probe.ts'
export { ensureRedis } from './redis-server.ts'
export { type Appendfsync, durableRedisArgs, parseAppendfsync } from './redis-settings.ts'
export {
  defaultWhich,
  type EnsureOptions,
  MissingServiceError,
  type Service,
  type Which,
} from './service.ts'
export {
  askNode,
  type RedisCluster,
  type RedisClusterNode,
  type RedisClusterOptions,
  startRedisCluster,
} from './start-redis-cluster.ts'
export {
  type RedisServer,
  type RedisServerOptions,
  startRedisServer,
} from './start-redis-server.ts'
