import { describe, expect, it } from 'bun:test'
import { testRedis } from '@flash/testing'
import { scriptSource } from '../src/commands.ts'
import { type OrderState, orderStateText, parseOrderState } from '../src/index.ts'

/** Parses with the scripts' snippet, then writes the fields back with it. */
const LUA_ROUND_TRIP = scriptSource(
  `-- @include order-state.lua
local fields = { parseOrderState(ARGV[1]) }
return { orderStateText(unpack(fields)), fields }`,
  {},
)

/** Writes a state from its fields with the scripts' snippet. */
const LUA_WRITE = scriptSource(
  `-- @include order-state.lua
return orderStateText(unpack(ARGV))`,
  {},
)

const state = (saleId: string | null): Omit<OrderState, 'partition'> => ({
  id: Bun.randomUUIDv7(),
  userId: Bun.randomUUIDv7(),
  saleId,
  productId: Bun.randomUUIDv7(),
  quantity: 3,
  unitPrice: 49_000,
  total: 147_000,
  status: 'return_requested',
  seq: 5,
  // Spaces, doubled ones and a trailing one included: the key is the rest of the string.
  idempotencyKey: 'a key  with spaces ',
  createdAt: new Date(1_764_556_800_000),
  updatedAt: new Date(1_764_556_900_123),
})

describe('the order-state string, in TypeScript and in Lua', () => {
  for (const saleId of [Bun.randomUUIDv7(), null])
    it(`reads and writes the same layout in both languages (saleId ${saleId ? 'set' : 'null'})`, async () => {
      await using r = await testRedis()
      const original = state(saleId)
      const text = orderStateText(original)
      const [rewritten, fields] = (await r.redis.eval(LUA_ROUND_TRIP, 0, text)) as [
        string,
        string[],
      ]
      const written = (await r.redis.eval(LUA_WRITE, 0, ...fields)) as string

      expect({ rewritten, fields, back: parseOrderState(written, 4) }).toEqual({
        rewritten: text,
        fields: [
          'return_requested',
          '1764556900123',
          '5',
          original.userId,
          '3',
          '49000',
          '147000',
          '1764556800000',
          original.productId,
          saleId ?? '',
          original.id,
          'a key  with spaces ',
        ],
        back: { ...original, partition: 4 },
      })
    })

  it('reads nothing from a text that is not an order state', () => {
    expect([
      parseOrderState('pending 1 u', 0),
      parseOrderState(orderStateText(state(null)).replace(' 3 ', '  '), 0),
      parseOrderState(orderStateText(state(null)).replace(' 147000 ', ' 1.47e+5 '), 0),
      parseOrderState(orderStateText(state(null)).replace(' 5 ', ' five '), 0),
    ]).toEqual([null, null, null, null])
  })
})
