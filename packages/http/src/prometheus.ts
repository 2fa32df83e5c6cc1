/** One line of a family: the family's name unless `name` says otherwise (a histogram's `_bucket`). */
export type MetricSample = {
  name?: string
  labels?: Record<string, string>
  value: number
}

/**
 * One metric family as `GET /metrics` prints it: a `# HELP` and a `# TYPE`
 * line, then its samples, together (Prometheus's text format 0.0.4 wants a
 * family's lines in one block).
 */
export type MetricFamily = {
  name: string
  help: string
  type: 'counter' | 'gauge' | 'histogram'
  samples: MetricSample[]
}

/** The content type of Prometheus's text format, as `GET /metrics` answers it. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/**
 * Families in Prometheus's text format 0.0.4, each sample carrying the
 * labels every sample of this process shares first (`service`). Label
 * values and help texts are escaped as the format says, so a value an
 * attacker chose (it should never come to that: labels are bounded) cannot
 * start a line of its own.
 *
 * @example
 * renderFamilies(
 *   [{ name: 'orders_lost_total', help: 'Orders lost with Redis data.', type: 'counter', samples: [{ value: 0 }] }],
 *   { service: 'checkout' },
 * )
 * // '# HELP orders_lost_total Orders lost with Redis data.\n# TYPE orders_lost_total counter\norders_lost_total{service="checkout"} 0\n'
 */
export function renderFamilies(families: MetricFamily[], shared: Record<string, string>): string {
  const sharedLabels = labelPairs(shared)
  let text = ''
  for (const family of families) {
    text += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`
    for (const sample of family.samples) {
      const own = sample.labels ? labelPairs(sample.labels) : ''
      const labels = sharedLabels && own ? `${sharedLabels},${own}` : sharedLabels || own
      text += `${sample.name ?? family.name}${labels ? `{${labels}}` : ''} ${formatValue(sample.value)}\n`
    }
  }
  return text
}

/**
 * A gauge or counter family from one number per label set, for the common
 * case of an app's own figures.
 *
 * @example
 * family('orders_lost_total', 'counter', 'Orders lost with Redis data.', [[{}, lostTotal]])
 */
export function family(
  name: string,
  type: 'counter' | 'gauge',
  help: string,
  values: [labels: Record<string, string>, value: number][],
): MetricFamily {
  return { name, type, help, samples: values.map(([labels, value]) => ({ labels, value })) }
}

function labelPairs(labels: Record<string, string>): string {
  let out = ''
  for (const name in labels) {
    out += `${out ? ',' : ''}${name}="${escapeLabelValue(labels[name] as string)}"`
  }
  return out
}

function escapeLabelValue(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')
}

function escapeHelp(help: string): string {
  return help.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')
}

function formatValue(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf'
  if (value === Number.NEGATIVE_INFINITY) return '-Inf'
  if (Number.isNaN(value)) return 'NaN'
  return String(value)
}
