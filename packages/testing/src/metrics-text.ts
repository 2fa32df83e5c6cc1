export type ParsedSample = { name: string; labels: Record<string, string>; value: number }

export type ParsedFamily = {
  name: string
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped'
  help: string
  samples: ParsedSample[]
}

export type ParsedMetrics = {
  families: Map<string, ParsedFamily>
  /**
   * The value of the one sample with this name whose labels include these
   * (undefined when none has them; an error when several do).
   */
  value: (name: string, labels?: Record<string, string>) => number | undefined
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped'])

/**
 * Reads a `/metrics` answer back, and fails on anything Prometheus's text
 * format 0.0.4 does not allow or its conventions frown on: a sample before
 * its family's `# HELP` and `# TYPE`, a family in two blocks, a counter not
 * named `_total`, a bad label or value, and for histograms buckets that are
 * not cumulative, out of order, without `+Inf`, or whose `+Inf` is not
 * `_count`. Tests scrape through it, so every scrape checks the format.
 *
 * @example
 * const metrics = parseMetrics(await (await fetch(`${url}/metrics`)).text())
 * metrics.value('checkout_reserve_outcomes_total', { outcome: 'sold_out' }) // 3
 */
export function parseMetrics(text: string): ParsedMetrics {
  const families = new Map<string, ParsedFamily>()
  const closed = new Set<string>()
  let current: ParsedFamily | undefined
  const fail = (line: number, why: string): never => {
    throw new Error(`metrics line ${line + 1}: ${why}`)
  }
  if (text !== '' && !text.endsWith('\n')) fail(text.split('\n').length - 1, 'no final newline')
  const lines = text.split('\n').slice(0, -1)
  for (const [index, line] of lines.entries()) {
    if (line.startsWith('#')) {
      const [hash, keyword, name, ...rest] = line.split(' ')
      if (hash !== '#' || (keyword !== 'HELP' && keyword !== 'TYPE')) continue
      if (!name || !NAME.test(name)) fail(index, `bad family name in "${line}"`)
      const familyName = name as string
      if (current && current.name !== familyName) closed.add(current.name)
      if (closed.has(familyName)) fail(index, `${familyName} appears in two blocks`)
      let family = families.get(familyName)
      if (!family) {
        family = { name: familyName, type: 'untyped', help: '', samples: [] }
        families.set(familyName, family)
      }
      if (family.samples.length > 0) fail(index, `${keyword} of ${familyName} after its samples`)
      if (keyword === 'HELP') family.help = unescapeHelp(rest.join(' '))
      else {
        const type = rest.join(' ')
        if (!TYPES.has(type)) fail(index, `unknown type "${type}"`)
        family.type = type as ParsedFamily['type']
      }
      current = family
      continue
    }
    if (line === '') fail(index, 'empty line')
    const sample = parseSample(line, (why) => fail(index, why))
    if (!current) fail(index, `sample ${sample.name} before any # HELP / # TYPE`)
    const family = current as ParsedFamily
    if (!sampleBelongs(family, sample.name))
      fail(index, `sample ${sample.name} inside family ${family.name} (${family.type})`)
    if (!family.help) fail(index, `${family.name} has no # HELP`)
    if (family.type === 'untyped') fail(index, `${family.name} has no # TYPE`)
    family.samples.push(sample)
  }
  for (const family of families.values()) {
    if (!family.help || family.type === 'untyped')
      throw new Error(`${family.name} lacks its # HELP or # TYPE`)
    if (family.type === 'counter' && !family.name.endsWith('_total'))
      throw new Error(`counter ${family.name} is not named _total`)
    if (family.type === 'histogram') checkHistogram(family)
  }
  return {
    families,
    value(name, labels = {}) {
      const matches = [...families.values()]
        .flatMap((family) => family.samples)
        .filter(
          (sample) =>
            sample.name === name &&
            Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
        )
      if (matches.length > 1)
        throw new Error(`${matches.length} samples of ${name} have ${JSON.stringify(labels)}`)
      return matches[0]?.value
    },
  }
}

function sampleBelongs(family: ParsedFamily, name: string): boolean {
  if (family.type !== 'histogram') return name === family.name
  return [`${family.name}_bucket`, `${family.name}_sum`, `${family.name}_count`].includes(name)
}

function checkHistogram(family: ParsedFamily): void {
  const series = new Map<string, ParsedSample[]>()
  for (const sample of family.samples) {
    const { le: _, ...rest } = sample.labels
    const key = JSON.stringify(Object.entries(rest).sort())
    series.set(key, [...(series.get(key) ?? []), sample])
  }
  for (const [key, samples] of series) {
    const what = `${family.name} ${key}`
    const buckets = samples.filter((sample) => sample.name.endsWith('_bucket'))
    const count = samples.find((sample) => sample.name.endsWith('_count'))
    const sum = samples.find((sample) => sample.name.endsWith('_sum'))
    if (!count || !sum) throw new Error(`${what}: no _count or _sum`)
    let previousBound = Number.NEGATIVE_INFINITY
    let previousValue = 0
    for (const bucket of buckets) {
      const bound = parseValue(bucket.labels.le ?? '')
      if (Number.isNaN(bound)) throw new Error(`${what}: bucket without a numeric le`)
      if (bound <= previousBound) throw new Error(`${what}: buckets out of order at le=${bound}`)
      if (bucket.value < previousValue)
        throw new Error(`${what}: buckets not cumulative at le=${bound}`)
      previousBound = bound
      previousValue = bucket.value
    }
    if (previousBound !== Number.POSITIVE_INFINITY) throw new Error(`${what}: no +Inf bucket`)
    if (previousValue !== count.value) throw new Error(`${what}: +Inf bucket is not _count`)
  }
}

function parseSample(line: string, fail: (why: string) => never): ParsedSample {
  const brace = line.indexOf('{')
  const space = line.indexOf(' ')
  const nameEnd = brace !== -1 && brace < space ? brace : space
  if (nameEnd <= 0) fail(`no value in "${line}"`)
  const name = line.slice(0, nameEnd)
  if (!NAME.test(name)) fail(`bad metric name "${name}"`)
  const labels: Record<string, string> = {}
  let at = nameEnd
  if (line[at] === '{') {
    at++
    while (line[at] !== '}') {
      const equals = line.indexOf('=', at)
      if (equals === -1) fail(`unterminated labels in "${line}"`)
      const label = line.slice(at, equals)
      if (!LABEL_NAME.test(label)) fail(`bad label name "${label}"`)
      if (label in labels) fail(`label ${label} twice`)
      if (line[equals + 1] !== '"') fail(`label ${label} value not quoted`)
      let value = ''
      let i = equals + 2
      for (; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\') {
          const next = line[++i]
          if (next === 'n') value += '\n'
          else if (next === '\\' || next === '"') value += next
          else fail(`bad escape \\${next} in label ${label}`)
        } else value += line[i]
      }
      if (i >= line.length) fail(`unterminated value of label ${label}`)
      labels[label] = value
      at = i + 1
      if (line[at] === ',') at++
      else if (line[at] !== '}') fail(`expected , or } after label ${label}`)
    }
    at++
  }
  if (line[at] !== ' ') fail(`expected a space before the value in "${line}"`)
  const [valueText, timestamp, ...extra] = line.slice(at + 1).split(' ')
  if (extra.length > 0 || (timestamp !== undefined && !/^-?\d+$/.test(timestamp)))
    fail(`unexpected text after the value in "${line}"`)
  const value = parseValue(valueText ?? '')
  if (Number.isNaN(value) && valueText !== 'NaN') fail(`bad value "${valueText}"`)
  return { name, labels, value }
}

function parseValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY
  if (text === '-Inf') return Number.NEGATIVE_INFINITY
  if (text === 'NaN') return Number.NaN
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number.NaN
  return Number(text)
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'))
}
