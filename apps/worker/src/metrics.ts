import type { CircuitBreaker } from '@flash/breaker'
import { breakerMetrics, family, type MetricFamily, service } from '@flash/http'
import type { RedisClient } from '@flash/redis'
import { type KeySpace, streamKey } from '@flash/redis'
import { type GroupBacklog, readBacklogs } from '@flash/streams'
import { Elysia } from 'elysia'

/** Every stream `startWorker` has a consumer group on, in each partition. */
const CONSUMED_STREAMS = ['orders', 'payments', 'refunds', 'rollbacks', 'shipping', 'emails']

export type WorkerMetricsOptions = {
  redis: RedisClient
  space: KeySpace
  breakers: CircuitBreaker[]
  /** How long a scrape waits for Redis before it answers without the groups (default 2 s). */
  timeoutMs?: number
}

/**
 * The worker's own families for `service({ metrics })`: its breakers, and
 * every consumer group of the streams it consumes, read from Redis at each
 * scrape (`readBacklogs`: two round trips, whatever the backlog). The groups
 * are the same whichever worker is scraped. A Redis that does not answer
 * within `timeoutMs`, or fails, leaves the group families empty and sets
 * `stream_groups_scrape_error` to 1: a scrape never hangs on Redis.
 *
 * @example
 * service({ name: 'worker', maxBodyBytes: 1024, metrics: workerMetrics({ redis, space, breakers: [payment] }) })
 */
export function workerMetrics(options: WorkerMetricsOptions): () => Promise<MetricFamily[]> {
  const breakers = breakerMetrics(options.breakers)
  const timeoutMs = options.timeoutMs ?? 2_000
  const labelsOf = new Map<string, Record<string, string>>()
  for (let partition = 0; partition < options.space.partitions; partition++)
    for (const name of CONSUMED_STREAMS)
      labelsOf.set(streamKey(options.space, partition, name), {
        stream: name,
        partition: String(partition),
      })
  const streams = [...labelsOf.keys()]

  return async () => {
    const backlogs = await withinMs(readBacklogs(options.redis, streams), timeoutMs)
    const groups = backlogs ?? []
    const labels = (backlog: GroupBacklog) => ({
      ...labelsOf.get(backlog.stream),
      group: backlog.group,
    })
    const gauge = (name: string, help: string, value: (backlog: GroupBacklog) => number | null) =>
      family(
        name,
        'gauge',
        help,
        groups.flatMap((backlog): [Record<string, string>, number][] => {
          const v = value(backlog)
          return v === null ? [] : [[labels(backlog), v]]
        }),
      )
    return [
      ...breakers(),
      gauge(
        'stream_group_pending',
        'Entries delivered to a consumer group and not yet acknowledged.',
        (backlog) => backlog.pending,
      ),
      gauge(
        'stream_group_lag',
        'Entries not yet delivered to a consumer group (absent while Redis cannot tell).',
        (backlog) => backlog.lag,
      ),
      gauge(
        'stream_group_oldest_pending_age_seconds',
        "Seconds since a consumer group's oldest unacknowledged entry was added to its stream; 0 when none is pending.",
        (backlog) => backlog.oldestPendingAgeSeconds,
      ),
      family(
        'stream_group_dead_letters_total',
        'counter',
        'Entries a consumer group sent to the dead-letter stream.',
        groups.map((backlog) => [labels(backlog), backlog.deadLettered]),
      ),
      family(
        'stream_groups_scrape_error',
        'gauge',
        '1 when Redis did not answer the consumer-group reads of this scrape in time (the stream_group_* families are then empty).',
        [[{}, backlogs === undefined ? 1 : 0]],
      ),
    ]
  }
}

/**
 * The worker's HTTP side: `/metrics` (with the service credential),
 * `/health` and `/ready`, nothing else. It takes no bodies.
 *
 * @example
 * metricsApp({ redis, space, breakers: [payment], serviceToken }).listen({ port: 3020 })
 */
export function metricsApp(options: WorkerMetricsOptions & { serviceToken?: string }) {
  // Routes by the path whatever the Host header says, as `serve()` sets up the apps.
  return new Elysia({ handler: { standardHostname: false } }).use(
    service({
      name: 'worker',
      maxBodyBytes: 1024,
      metricsToken: options.serviceToken,
      metrics: workerMetrics(options),
      ready: async () => ({
        redis: await options.redis.ping().then(
          () => true,
          () => false,
        ),
      }),
    }),
  )
}

/** The promise's value, or undefined if it fails or takes longer than `ms`. */
function withinMs<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      () => {
        clearTimeout(timer)
        resolve(undefined)
      },
    )
  })
}
