import { afterAll, describe, expect, it } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  bunEntries,
  contextFiles,
  ignored,
  loadCompose,
  readDockerfile,
  readDockerignore,
  repoRoot,
} from './deploy-files.ts'

const instructions = await readDockerfile()
const stageNames = instructions
  .filter((i) => i.keyword === 'FROM')
  .map((i) => /\bAS\s+(\S+)$/i.exec(i.args)?.[1]?.toLowerCase())
const lastStage = Math.max(...instructions.map((i) => i.stage))
const rootPackage = (await Bun.file(`${repoRoot}package.json`).json()) as {
  devDependencies: Record<string, string>
}

describe('Dockerfile', () => {
  it('builds on the official Bun image, pinned to the version the repository is tested with', () => {
    const bases = instructions
      .filter((i) => i.keyword === 'FROM')
      .map((i) => i.args.split(/\s+/)[0] as string)
      .filter((image) => !stageNames.includes(image.toLowerCase()))
    expect(bases.length).toBeGreaterThan(0)
    const pinned = rootPackage.devDependencies['@types/bun']
    for (const image of bases)
      expect({ image, version: /^oven\/bun:(\d+\.\d+\.\d+)(-[a-z]+)?$/.exec(image)?.[1] }).toEqual({
        image,
        version: pinned,
      })
  })

  it('has more than one stage, and runs the apps as a user other than root', () => {
    expect(lastStage).toBeGreaterThan(0)
    const users = instructions.filter((i) => i.stage === lastStage && i.keyword === 'USER')
    const user = users.at(-1)?.args.split(':')[0]
    expect(user).toBeDefined()
    expect(['root', '0']).not.toContain(user as string)
  })

  it('installs exactly what bun.lock pins, without devDependencies', () => {
    const installs = instructions.filter(
      (i) => i.keyword === 'RUN' && /\bbun install\b/.test(i.args),
    )
    expect(installs.map((i) => i.args)).toEqual([
      expect.stringMatching(/bun install (?=.*--frozen-lockfile)(?=.*--production)/),
    ])
  })

  it('starts the gateway unless told which app to run', async () => {
    const cmd = instructions.filter((i) => i.stage === lastStage && i.keyword === 'CMD').at(-1)
    expect(JSON.parse(cmd?.args ?? 'null')).toEqual(['bun', 'apps/gateway/src/index.ts'])
    expect(await Bun.file(`${repoRoot}apps/gateway/src/index.ts`).exists()).toBe(true)
  })
})

describe('.dockerignore', () => {
  it("leaves this machine's state out of the image and keeps what the apps run", async () => {
    const patterns = await readDockerignore()
    const left = [
      'node_modules/elysia/package.json',
      'apps/auth/node_modules/@flash/config',
      '.data/redis/appendonly.aof',
      '.git/HEAD',
      'bench/results/latest.json',
      '.env',
      'apps/checkout/test/orders.test.ts',
    ]
    const kept = [
      'package.json',
      'bun.lock',
      'bunfig.toml',
      'drizzle/meta/_journal.json',
      'scripts/migrate.ts',
      'apps/auth/src/seed.ts',
      'packages/testing/src/index.ts',
      'packages/redis/src/lua/generation.lua',
    ]
    expect(left.filter((path) => !ignored(path, patterns))).toEqual([])
    expect(kept.filter((path) => ignored(path, patterns))).toEqual([])
  })
})

describe('the image, rebuilt here without Docker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flash-image-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('resolves, from the production install, every import of what compose.yaml runs and of the pages the gateway bundles', async () => {
    // The Dockerfile's stages: the manifests alone, the install, then the rest of the context.
    const files = contextFiles(await readDockerignore())
    const manifest = (path: string) => /(^|\/)(package\.json|bun\.lock|bunfig\.toml)$/.test(path)
    const copy = (paths: string[]) =>
      Promise.all(paths.map((path) => Bun.write(join(dir, path), Bun.file(`${repoRoot}${path}`))))
    await copy(files.filter(manifest))
    const install = Bun.spawn(['bun', 'install', '--frozen-lockfile', '--production'], {
      cwd: dir,
      stdout: 'ignore',
      stderr: 'pipe',
    })
    const [installErr, installed] = await Promise.all([
      new Response(install.stderr).text(),
      install.exited,
    ])
    expect({ installed, installErr: installed === 0 ? '' : installErr }).toEqual({
      installed: 0,
      installErr: '',
    })
    await copy(files.filter((path) => !manifest(path)))

    const compose = await loadCompose({})
    const entries = [...new Set(Object.values(compose.services).flatMap(bunEntries))].sort()
    expect(entries).toEqual(expect.arrayContaining(['scripts/migrate.ts', 'apps/auth/src/seed.ts']))
    const build = await Bun.build({
      entrypoints: entries.map((entry) => join(dir, entry)),
      target: 'bun',
      throw: false,
    })
    // A web app's page (the storefront) is bundled by the gateway at run time, in the image.
    const pages = files.filter((path) => /^apps\/[^/]+\/src\/index\.html$/.test(path))
    const bundle = await Bun.build({
      entrypoints: pages.map((page) => join(dir, page)),
      throw: false,
    })
    const errors = (result: Awaited<ReturnType<typeof Bun.build>>) =>
      result.logs.filter((log) => log.level === 'error').map(String)
    expect({
      commands: { success: build.success, errors: errors(build) },
      pages: { success: pages.length === 0 || bundle.success, errors: errors(bundle) },
    }).toEqual({
      commands: { success: true, errors: [] },
      pages: { success: true, errors: [] },
    })
  })
})
