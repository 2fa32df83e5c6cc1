import { type LoadResult, parseOha, parseWrk } from './load.ts'
import { withParentDeath } from './processes.ts'

const libDir = import.meta.dir

/**
 * One wrk run. `script` is a file in bench/lib (orders.lua, bare.lua); `env`
 * reaches the script (BENCH_TOKENS, BENCH_BODY, BENCH_CODES...).
 *
 * @example
 * await runWrk({ url, script: 'bare.lua', seconds: 3, connections: 64, threads: 2, env: {} })
 */
export type WrkRun = {
  url: string
  script: 'orders.lua' | 'bare.lua'
  seconds: number
  connections: number
  threads: number
  env: Record<string, string>
  /** Called with wrk's pid as soon as it runs, so its CPU use can be watched. */
  onSpawn?: (pid: number) => void
}

/**
 * Runs wrk and returns what it measured. The 10 s timeout (wrk's default is
 * 2 s) keeps the slow answers of the lock baseline in the latency figures
 * instead of dropping them as timeouts.
 *
 * @example
 * const load = await runWrk({ url, script: 'orders.lua', seconds: 10, connections: 64, threads: 2, env })
 */
export async function runWrk(run: WrkRun): Promise<LoadResult> {
  const child = Bun.spawn(withParentDeath(wrkCommand(run)), {
    env: { ...Bun.env, BENCH_RUN: crypto.randomUUID(), ...run.env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  run.onSpawn?.(child.pid)
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  if (code !== 0) throw new Error(`wrk exited with code ${code}: ${stderr || stdout}`)
  return parseWrk(stdout)
}

/**
 * The wrk command line of a run, also printed in the report.
 *
 * @example
 * wrkCommand(run).join(' ') // 'wrk -t2 -c64 -d10s --timeout 10s -s .../orders.lua http://...'
 */
export function wrkCommand(run: WrkRun): string[] {
  return [
    'wrk',
    `-t${run.threads}`,
    `-c${run.connections}`,
    `-d${run.seconds}s`,
    '--timeout',
    '10s',
    '-s',
    `${libDir}/${run.script}`,
    run.url,
  ]
}

/**
 * One oha run: oha sends the same headers with every request, so it can only
 * drive scenarios that do not need a token and key per request.
 *
 * @example
 * await runOha({ url: `${base}/bare/[0-9]{1,8}`, randomUrl: true, seconds: 10, connections: 64 })
 */
export type OhaRun = {
  url: string
  seconds: number
  connections: number
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
  /** The URL is a regular expression: a different path per request. */
  randomUrl?: boolean
}

/**
 * The oha command line (without its output-format flag), for the README and the report.
 *
 * @example
 * ohaCommand({ url, seconds: 10, connections: 64 }) // ['oha', '--no-tui', '-z', '10s', ...]
 */
export function ohaCommand(run: OhaRun): string[] {
  return [
    'oha',
    '--no-tui',
    '-z',
    `${run.seconds}s`,
    '-c',
    String(run.connections),
    ...(run.method && run.method !== 'GET' ? ['-m', run.method] : []),
    ...Object.entries(run.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
    ...(run.body ? ['-d', run.body] : []),
    ...(run.randomUrl ? ['--rand-regex-url'] : []),
    run.url,
  ]
}

let jsonFlag: Promise<string[]> | undefined

/**
 * Runs oha and returns what it measured.
 *
 * @example
 * if (Bun.which('oha')) console.log((await runOha(run)).rps)
 */
export async function runOha(run: OhaRun): Promise<LoadResult> {
  // Newer oha spells JSON output `--output-format json`; older ones only know `-j`.
  jsonFlag ??= (async () => {
    const help = await new Response(Bun.spawn(['oha', '--help'], { stdout: 'pipe' }).stdout).text()
    return help.includes('--output-format') ? ['--output-format', 'json'] : ['-j']
  })()
  const [oha, ...args] = ohaCommand(run)
  const child = Bun.spawn(withParentDeath([oha ?? 'oha', ...(await jsonFlag), ...args]), {
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  if (code !== 0) throw new Error(`oha exited with code ${code}: ${stderr || stdout}`)
  return parseOha(JSON.parse(stdout))
}

/**
 * One argument, quoted for a POSIX shell when it needs to be.
 *
 * @example
 * shellQuote('{"a":1}') // `'{"a":1}'`
 */
export function shellQuote(arg: string): string {
  return /^[\w./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`
}

/**
 * A command line as one shell-pasteable string.
 *
 * @example
 * shellLine(['oha', '-H', 'authorization: Bearer x']) // "oha -H 'authorization: Bearer x'"
 */
export function shellLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ')
}
