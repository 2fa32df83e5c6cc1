import { afterEach, describe, expect, it } from 'bun:test'
import { ok } from 'neverthrow'
import { memorySessionStore, type StoredSession } from '../src/index.ts'
import { type IssuedTokens, Tokens } from '../src/tokens.ts'

/** A stand-in for the Web Locks API: one holder per name at a time, the rest queue. */
function installLocks() {
  const tails = new Map<string, Promise<unknown>>()
  const locks = {
    request<T>(name: string, task: () => Promise<T>): Promise<T> {
      const run = (tails.get(name) ?? Promise.resolve()).then(task, task)
      tails.set(
        name,
        run.catch(() => undefined),
      )
      return run
    },
  }
  Object.defineProperty(globalThis.navigator, 'locks', { value: locks, configurable: true })
}

afterEach(() => {
  Reflect.deleteProperty(globalThis.navigator, 'locks')
})

describe('two tabs sharing one stored session', () => {
  it('spend the refresh token once: the second tab takes the tokens the first one got', async () => {
    installLocks()
    const store = memorySessionStore({
      accessToken: 'access-0',
      refreshToken: 'refresh-0',
      expiresAt: Date.now() - 1,
    })
    const spent: string[] = []
    const refresh = async (refreshToken: string) => {
      spent.push(refreshToken)
      // An answer that takes a while, so both tabs ask before either has it.
      await Promise.resolve()
      const n = spent.length
      return ok<IssuedTokens>({
        accessToken: `access-${n}`,
        refreshToken: `refresh-${n}`,
        expiresIn: 900,
      })
    }
    const tabs = [new Tokens(store, refresh), new Tokens(store, refresh)]
    const seen: (StoredSession | null)[][] = [[], []]
    for (const [i, tab] of tabs.entries()) tab.onChange((session) => seen[i]?.push(session))

    const tokens = await Promise.all(tabs.map((tab) => tab.forRequest()))
    expect({
      spent,
      tokens: tokens.map((t) => t._unsafeUnwrap()),
      stored: store.load()?.refreshToken,
      toldFirstTab: seen[0]?.length,
    }).toEqual({
      spent: ['refresh-0'],
      tokens: ['access-1', 'access-1'],
      stored: 'refresh-1',
      toldFirstTab: 1,
    })
  })
})
