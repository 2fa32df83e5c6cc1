import { describe, expect, it } from 'bun:test'

const repoRoot = new URL('../../..', import.meta.url).pathname
const usage = new URL('./types/usage.ts', import.meta.url).pathname

describe("the client's types", () => {
  it('compile the way a frontend uses them, and refuse every misuse marked @ts-expect-error in types/usage.ts', async () => {
    // A misuse that compiles leaves its @ts-expect-error unused, which tsc reports as an error.
    const tsc = Bun.spawn(
      ['bunx', 'tsc', '--noEmit', '--listFiles', '-p', 'packages/client/test/types/tsconfig.json'],
      { cwd: repoRoot, stdout: 'pipe', stderr: 'pipe' },
    )
    const [out, err, code] = await Promise.all([
      new Response(tsc.stdout).text(),
      new Response(tsc.stderr).text(),
      tsc.exited,
    ])
    const lines = `${out}\n${err}`.split('\n')
    expect({
      errors: lines.filter((line) => line.includes('error TS')),
      checkedUsage: lines.some((line) => line.trim() === usage),
      code,
    }).toEqual({ errors: [], checkedUsage: true, code: 0 })
  })
})
