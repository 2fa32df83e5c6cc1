import { describe, expect, it } from 'bun:test'
import { JSON_FIELD, jsonEntry, toEntries } from '../src/index.ts'

describe('toEntries', () => {
  it('reads each event from its one JSON field, and a deleted entry as null', () => {
    const event = { type: 'shipping.requested', orderId: 'o-1' }
    const reply = [
      [
        's',
        [
          ['1-0', jsonEntry(event)],
          ['2-0', null],
        ],
      ],
    ]
    expect(toEntries(reply)).toEqual([
      { id: '1-0', fields: event },
      { id: '2-0', fields: null },
    ])
  })

  it('hands on a JSON field that is not an object of strings as it is, for the decoder to refuse', () => {
    const odd = ['{"orderId":7}', '[1,2]', 'not json', 'null']
    const reply = [['s', odd.map((text, i) => [`${i + 1}-0`, [JSON_FIELD, text]])]]
    expect(toEntries(reply).map(({ fields }) => fields)).toEqual(
      odd.map((text) => ({ [JSON_FIELD]: text })),
    )
  })

  it('hands on an entry written field by field as its fields in JSON, for the decoder to refuse', () => {
    const reply = [['s', [['1-0', ['type', 'shipping.requested', 'orderId', 'o-1']]]]]
    expect(toEntries(reply)).toEqual([
      { id: '1-0', fields: { [JSON_FIELD]: '["type","shipping.requested","orderId","o-1"]' } },
    ])
  })
})
