/**
 * compose.yaml, the Dockerfile and .dockerignore read the way Docker reads
 * them, for the tests that check their promises without a Docker engine.
 */
import { existsSync, readdirSync } from 'node:fs'
import { repoRoot } from '../lib/services.ts'

export { repoRoot }

export type HealthCheck = { test: string[]; interval?: string; retries?: number }
export type ComposeService = {
  build?: string | { context: string }
  image?: string
  command?: string[]
  environment?: Record<string, string | number | boolean>
  healthcheck?: HealthCheck
  depends_on?: Record<string, { condition: string }>
  restart?: string
  profiles?: string[]
  volumes?: string[]
}
export type ComposeFile = { services: Record<string, ComposeService> }

/** Who runs `docker compose`: the variables compose interpolates into the file. */
export type Shell = Record<string, string | undefined>

/**
 * compose.yaml after Compose's interpolation of `${VAR}`, `${VAR:-default}`,
 * `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`, `$VAR` and `$$`,
 * applied to every string of the parsed file as Compose does. A missing
 * required variable throws, with its message.
 *
 * @example
 * const compose = await loadCompose({ JWT_SECRET: 'x' })
 * compose.services.auth?.environment?.JWT_SECRET // 'x'
 */
export async function loadCompose(shell: Shell): Promise<ComposeFile> {
  const text = await Bun.file(`${repoRoot}compose.yaml`).text()
  return mapStrings(Bun.YAML.parse(text), (value) => interpolate(value, shell)) as ComposeFile
}

const reference =
  /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])((?:[^}$]|\$\$)*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g

/** One string interpolated as Compose does; nested `${...}` in a default is not supported. */
export function interpolate(value: string, shell: Shell): string {
  return value.replace(
    reference,
    (
      _whole,
      dollar?: string,
      braced?: string,
      colon?: string,
      op?: string,
      arg = '',
      bare?: string,
    ) => {
      if (dollar) return '$'
      const name = (braced ?? bare) as string
      const set = shell[name]
      const missing = colon ? set === undefined || set === '' : set === undefined
      if (op === '-') return missing ? arg : (set as string)
      if (op === '?' && missing) throw new Error(`compose.yaml requires ${name}: ${arg}`)
      return set ?? ''
    },
  )
}

function mapStrings(value: unknown, map: (value: string) => string): unknown {
  if (typeof value === 'string') return map(value)
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map))
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, map)]))
  return value
}

/** The app a service runs (`bun apps/<app>/src/index.ts`), if it runs one. */
export function appOf(service: ComposeService): string | undefined {
  const [bin, entry, ...rest] = service.command ?? []
  const match = /^apps\/([^/]+)\/src\/index\.ts$/.exec(entry ?? '')
  return bin === 'bun' && rest.length === 0 ? match?.[1] : undefined
}

/** Every app of the repository: a folder of apps/ with an entry point. */
export function repoApps(): string[] {
  return readdirSync(`${repoRoot}apps`)
    .filter((name) => existsSync(`${repoRoot}apps/${name}/src/index.ts`))
    .sort()
}

/** The files a service's command runs with bun (`bun x.ts`, or each `bun x.ts` of `sh -c`). */
export function bunEntries(service: ComposeService): string[] {
  const command = service.command ?? []
  const line = command[0] === 'sh' && command[1] === '-c' ? (command[2] ?? '') : command.join(' ')
  return [...line.matchAll(/(?:^|&&|;)\s*bun\s+(\S+\.ts)\b/g)].map((m) => m[1] as string)
}

export type Instruction = { keyword: string; args: string; stage: number }

/**
 * The Dockerfile's instructions (continuation lines joined, comments
 * dropped), each with the number of the stage it belongs to.
 *
 * @example
 * (await readDockerfile()).filter((i) => i.keyword === 'FROM')
 */
export async function readDockerfile(): Promise<Instruction[]> {
  const text = await Bun.file(`${repoRoot}Dockerfile`).text()
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
  const instructions: Instruction[] = []
  let stage = -1
  for (const line of joined.split('\n')) {
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line)
    if (!match) continue
    const keyword = (match[1] as string).toUpperCase()
    if (keyword === 'FROM') stage++
    instructions.push({ keyword, args: (match[2] as string).trim(), stage })
  }
  return instructions
}

/** .dockerignore's patterns; this reader does not support `!` exceptions, and says so. */
export async function readDockerignore(): Promise<string[]> {
  const text = await Bun.file(`${repoRoot}.dockerignore`).text()
  const patterns = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.replace(/^\/+/, '').replace(/\/+$/, ''))
  const exception = patterns.find((p) => p.startsWith('!'))
  if (exception) throw new Error(`.dockerignore exceptions are not read here: ${exception}`)
  return patterns
}

/**
 * Whether Docker leaves `path` (relative to the context) out of the build
 * context: a pattern matches it or one of the folders it is in.
 */
export function ignored(path: string, patterns: string[]): boolean {
  const parts = path.split('/')
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join('/')
    if (patterns.some((pattern) => new Bun.Glob(pattern).match(prefix))) return true
  }
  return false
}

/** The files of the build context: the work tree less what .dockerignore leaves out. */
export function contextFiles(patterns: string[], dir = ''): string[] {
  const files: string[] = []
  for (const entry of readdirSync(`${repoRoot}${dir}`, { withFileTypes: true })) {
    const path = `${dir}${entry.name}`
    if (ignored(path, patterns)) continue
    if (entry.isDirectory()) files.push(...contextFiles(patterns, `${path}/`))
    else if (entry.isFile()) files.push(path)
  }
  return files
}
