import { describe, expect, it } from 'bun:test'

const entry = new URL('../src/index.ts', import.meta.url).pathname
/** What only a server has: the Redis and MySQL drivers and the ORM. */
const SERVER_CODE = ['ioredis', 'mysql2', 'drizzle'] as const

describe('a browser bundle of the client', () => {
  it('builds for the browser and carries no server code: the apps are imported for their types only', async () => {
    const build = await Bun.build({
      entrypoints: [entry],
      target: 'browser',
      minify: true,
      throw: false,
    })
    const output = build.outputs[0]
    const text = output ? await output.text() : ''
    const size = new TextEncoder().encode(text).byteLength
    const gzipped = Bun.gzipSync(new TextEncoder().encode(text)).byteLength
    console.log(`client bundle: ${size} bytes minified, ${gzipped} bytes gzipped`)

    expect({
      success: build.success,
      // Server code usually fails the build outright (a Node built-in such as `tls`): shown here.
      problems: build.logs.map((log) => log.message),
      outputs: build.outputs.length,
      serverCode: SERVER_CODE.filter((name) => text.toLowerCase().includes(name)),
      exportsCreateClient: /export\s*\{[^}]*\bcreateClient\b/.test(text),
    }).toEqual({
      success: true,
      problems: [],
      outputs: 1,
      serverCode: [],
      exportsCreateClient: true,
    })
  })
})
