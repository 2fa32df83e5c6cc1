import { describe, expect, it } from 'bun:test'
import adjustStockLua from '../src/lua/adjust-stock.lua' with { type: 'text' }
import beginRecoveryLua from '../src/lua/begin-recovery.lua' with { type: 'text' }
import finishRecoveryLua from '../src/lua/finish-recovery.lua' with { type: 'text' }
import giveUnitsLua from '../src/lua/give-units.lua' with { type: 'text' }
import moveOrdersLua from '../src/lua/move-orders.lua' with { type: 'text' }
import repairStockLua from '../src/lua/repair-stock.lua' with { type: 'text' }
import reserveOrdersLua from '../src/lua/reserve-orders.lua' with { type: 'text' }
import takeUnitsLua from '../src/lua/take-units.lua' with { type: 'text' }
import {
  AdjustStockCode,
  BeginRecoveryCode,
  FinishRecoveryCode,
  GiveUnitsCode,
  MoveCode,
  RepairStockCode,
  ReserveCode,
  type ScriptCodes,
  TakeUnitsCode,
} from '../src/script-codes.ts'

/** The names a script's docblock lists after "Code is <table>": one per line, first word. */
function documentedCodes(lua: string): { table: string; names: string[] } {
  const docblock = lua.slice(0, lua.indexOf(']]'))
  const [, table = '', list = ''] = /Code is (\w+)[^\n]*\n([\s\S]*)$/.exec(docblock) ?? []
  const names = [...list.matchAll(/^ {4}([A-Z]\w+)/gm)].map(([, name]) => name as string)
  return { table, names }
}

/** The codes a script's body uses. */
function usedCodes(lua: string): string[] {
  return [...new Set([...lua.matchAll(/\bCode\.(\w+)/g)].map(([, name]) => name as string))].sort()
}

const SCRIPTS: [string, string, ScriptCodes, string][] = [
  ['reserve-orders.lua', reserveOrdersLua, ReserveCode, 'ReserveCode'],
  ['move-orders.lua', moveOrdersLua, MoveCode, 'MoveCode'],
  ['adjust-stock.lua', adjustStockLua, AdjustStockCode, 'AdjustStockCode'],
  ['repair-stock.lua', repairStockLua, RepairStockCode, 'RepairStockCode'],
  ['begin-recovery.lua', beginRecoveryLua, BeginRecoveryCode, 'BeginRecoveryCode'],
  ['finish-recovery.lua', finishRecoveryLua, FinishRecoveryCode, 'FinishRecoveryCode'],
  ['take-units.lua', takeUnitsLua, TakeUnitsCode, 'TakeUnitsCode'],
  ['give-units.lua', giveUnitsLua, GiveUnitsCode, 'GiveUnitsCode'],
]

describe('script return codes', () => {
  for (const [file, lua, codes, tableName] of SCRIPTS)
    it(`${file} documents and uses exactly the codes of ${tableName}`, () => {
      const names = Object.keys(codes)
      expect({ documented: documentedCodes(lua), used: usedCodes(lua) }).toEqual({
        documented: { table: tableName, names },
        used: [...names].sort(),
      })
    })

  it('gives every code of a script a value of its own', () => {
    for (const [, , codes] of SCRIPTS)
      expect(new Set(Object.values(codes)).size).toBe(Object.keys(codes).length)
  })
})
