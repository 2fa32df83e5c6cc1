const repoRoot = new URL('../../..', import.meta.url).pathname

/**
 * Starts one of the apps as a real process, the way `bun run start` does,
 * with extra environment variables (a test's database and key prefix).
 *
 * @example
 * await using worker = spawnApp('worker', { DATABASE_URL: database.url, REDIS_PREFIX: r.prefix })
 * readFileSync(`/proc/${worker.pid}/stat`, 'utf8') // its CPU time so far
 */
export function spawnApp(app: string, env: Record<string, string>) {
  const child = Bun.spawn(['bun', `apps/${app}/src/index.ts`], {
    cwd: repoRoot,
    env: { ...Bun.env, ...env },
    // TEST_APP_LOGS=1 shows what the apps print, to debug a failing whole-system test.
    stdout: Bun.env.TEST_APP_LOGS ? 'inherit' : 'ignore',
    stderr: 'inherit',
  })
  return {
    /** For CPU and memory figures from /proc/<pid>. */
    pid: child.pid,
    exited: child.exited,
    kill: (signal: NodeJS.Signals = 'SIGTERM') => child.kill(signal),
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await child.exited
    },
  }
}
