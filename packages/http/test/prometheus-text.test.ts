import { describe, expect, it } from 'bun:test'
import { parseMetrics } from '@flash/testing'
import fc from 'fast-check'
import { type MetricFamily, renderFamilies } from '../src/index.ts'

// A fixed seed keeps CI's runs the same; fast-check prints it with any failure to replay it.
const SEED = 16

const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/)
const labels = fc.dictionary(
  fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/).filter((label) => label !== 'service'),
  // Any text a label could carry, quotes, backslashes and line breaks included.
  fc.string({ unit: 'binary', maxLength: 20 }),
  { maxKeys: 3 },
)
const value = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 40 }),
  fc.double({ noNaN: true }),
  fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
)
const families = fc.uniqueArray(
  fc.record({
    name,
    type: fc.constantFrom('counter' as const, 'gauge' as const),
    help: fc.string({ unit: 'binary', maxLength: 40 }).filter((help) => help.trim() !== ''),
    samples: fc.array(fc.record({ labels, value }), { maxLength: 4 }),
  }),
  { selector: (family) => family.name, maxLength: 5 },
)

describe('the text format', () => {
  it('reads back as the families it was rendered from, whatever their labels and help hold', () => {
    fc.assert(
      fc.property(families, fc.string({ unit: 'binary', maxLength: 10 }), (drawn, service) => {
        // Counters are named _total, as the convention (and the parser) wants.
        const rendered: MetricFamily[] = drawn.map((family) => ({
          ...family,
          name: family.type === 'counter' ? `${family.name}_total` : family.name,
        }))
        const parsed = parseMetrics(renderFamilies(rendered, { service }))
        expect(
          [...parsed.families.values()].map((family) => ({
            name: family.name,
            type: family.type,
            help: family.help,
            samples: family.samples.map((sample) => ({
              labels: sample.labels,
              value: sample.value,
            })),
          })),
        ).toEqual(
          rendered.map((family) => ({
            name: family.name,
            type: family.type,
            help: family.help,
            samples: family.samples.map((sample) => ({
              labels: { service, ...sample.labels },
              // -0 prints as 0.
              value: Object.is(sample.value, -0) ? 0 : sample.value,
            })),
          })),
        )
      }),
      { seed: SEED, numRuns: 300 },
    )
  })

  it('puts every line of a label value on the sample line: no value can start a line of its own', () => {
    const text = renderFamilies(
      [
        {
          name: 'x',
          type: 'gauge',
          help: 'a\nb',
          samples: [{ labels: { v: '"}\n# TYPE x counter\nx 1' }, value: 1 }],
        },
      ],
      { service: 's' },
    )
    expect(text).toBe(
      [
        '# HELP x a\\nb',
        '# TYPE x gauge',
        'x{service="s",v="\\"}\\n# TYPE x counter\\nx 1"} 1',
        '',
      ].join('\n'),
    )
  })
})
