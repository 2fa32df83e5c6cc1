export { apiError } from './api-error.ts'
export { breakerMetrics } from './breaker-metrics.ts'
export { clientAddress } from './client-address.ts'
export { credentialCheck } from './credential.ts'
export { idString, UUID_PATTERN } from './ids.ts'
export { isJsonMediaType } from './json-media-type.ts'
export { DEFAULT_JSON_LIMITS, type JsonLimits, jsonShapeProblem } from './json-shape.ts'
export { DURATION_BUCKETS } from './metrics.ts'
export {
  family,
  type MetricFamily,
  type MetricSample,
  PROMETHEUS_CONTENT_TYPE,
  renderFamilies,
} from './prometheus.ts'
export { type BodyLimits, type BodyRead, readBody } from './read-body.ts'
export { acceptRequestId } from './request-id.ts'
export { type Served, type ServeOptions, serve } from './serve.ts'
export { type EarlyAnswer, pathOf, type ServiceOptions, service } from './service.ts'
export { stopOnSignals } from './stop-on-signals.ts'
