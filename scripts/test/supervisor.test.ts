import { describe, expect, it } from 'bun:test'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from '@flash/testing'
import type { RestartBackoff } from '../lib/restart-backoff.ts'
import { type ProcessPlan, supervise } from '../lib/supervisor.ts'

const quick: RestartBackoff = { firstMs: 10, maxMs: 40, healthyAfterMs: 60_000 }

/** A process that runs until it is signalled. */
const sleeper = (name: string): ProcessPlan => ({
  name,
  command: ['bun', '-e', 'setInterval(() => {}, 60_000)'],
  env: {},
})

/** A process that exits with `code` as soon as it starts. */
const exiting = (name: string, code: number): ProcessPlan => ({
  name,
  command: ['bun', '-e', `process.exit(${code})`],
  env: {},
})

/**
 * The supervisor on fixture processes, with its log lines collected and a
 * clock the test moves, so every run lasts exactly as long as the test says.
 */
function supervised(plans: ProcessPlan[], backoff = quick) {
  const lines: string[] = []
  const clock = { ms: 0 }
  const supervisor = supervise(plans, {
    backoff,
    log: (line) => lines.push(line),
    now: () => clock.ms,
  })
  return {
    supervisor,
    lines,
    clock,
    /** Waits until `name` runs under a pid other than `previous`. */
    running: (name: string, previous?: number) =>
      waitFor(
        () => {
          const pid = supervisor.pidOf(name)
          return pid !== undefined && pid !== previous && pid
        },
        { what: `${name} running (not as ${previous})` },
      ),
    [Symbol.asyncDispose]: () => supervisor.stop(),
  }
}

describe('supervise', () => {
  it('restarts a process killed with kill -9, in one log line, and leaves the others alone', async () => {
    await using run = supervised([sleeper('app'), sleeper('neighbour')])
    const app = await run.running('app')
    const neighbour = await run.running('neighbour')

    process.kill(app, 'SIGKILL')
    await run.running('app', app)

    expect({ lines: run.lines, neighbour: run.supervisor.pidOf('neighbour') }).toEqual({
      lines: ['app was killed by SIGKILL after 0 s; restarting in 0.01 s (attempt 1)'],
      neighbour,
    })
  })

  it('doubles the wait for a process that fails at every start, up to the cap, while the others keep running', async () => {
    await using run = supervised([exiting('failing', 3), sleeper('neighbour')])
    const neighbour = await run.running('neighbour')

    await waitFor(() => run.lines.length >= 5, { what: 'five restarts' })

    expect({ lines: run.lines.slice(0, 5), neighbour: run.supervisor.pidOf('neighbour') }).toEqual({
      lines: [
        'failing exited with code 3 after 0 s; restarting in 0.01 s (attempt 1)',
        'failing exited with code 3 after 0 s; restarting in 0.02 s (attempt 2)',
        'failing exited with code 3 after 0 s; restarting in 0.04 s (attempt 3)',
        'failing exited with code 3 after 0 s; restarting in 0.04 s (attempt 4)',
        'failing exited with code 3 after 0 s; restarting in 0.04 s (attempt 5)',
      ],
      neighbour,
    })
  })

  it('restarts a process that exits with code 0 like any other', async () => {
    await using run = supervised([exiting('done', 0)])

    await waitFor(() => run.lines.length >= 2, { what: 'two restarts' })

    expect(run.lines.slice(0, 2)).toEqual([
      'done exited with code 0 after 0 s; restarting in 0.01 s (attempt 1)',
      'done exited with code 0 after 0 s; restarting in 0.02 s (attempt 2)',
    ])
  })

  it('keeps retrying a command that cannot even be spawned', async () => {
    await using run = supervised([
      { name: 'ghost', command: ['/nonexistent/flash-app'], env: {} },
      sleeper('neighbour'),
    ])
    const neighbour = await run.running('neighbour')

    await waitFor(() => run.lines.length >= 3, { what: 'three restarts' })

    expect({ lines: run.lines.slice(0, 3), neighbour: run.supervisor.pidOf('neighbour') }).toEqual({
      lines: [1, 2, 3].map((attempt) =>
        expect.stringMatching(
          new RegExp(
            `^ghost could not be started \\(.*ENOENT.*\\) after 0 s; restarting in 0\\.0${2 ** (attempt - 1)} s \\(attempt ${attempt}\\)$`,
          ),
        ),
      ),
      neighbour,
    })
  })

  it('counts attempts from 1 again once a process had run healthily for a while', async () => {
    await using run = supervised([sleeper('app')])
    let pid = await run.running('app')

    for (const ranMs of [0, 0, quick.healthyAfterMs]) {
      run.clock.ms += ranMs
      process.kill(pid, 'SIGKILL')
      pid = await run.running('app', pid)
    }

    expect(run.lines).toEqual([
      'app was killed by SIGKILL after 0 s; restarting in 0.01 s (attempt 1)',
      'app was killed by SIGKILL after 0 s; restarting in 0.02 s (attempt 2)',
      'app was killed by SIGKILL after 60 s; restarting in 0.01 s (attempt 1)',
    ])
  })

  it('stop sends SIGTERM to every process, waits for them to drain, and restarts none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'supervisor-'))
    const files = { READY_FILE: join(dir, 'ready'), DRAINED_FILE: join(dir, 'drained') }
    const drainer: ProcessPlan = {
      name: 'drainer',
      command: [
        'bun',
        '-e',
        `process.on('SIGTERM', () => Bun.write(Bun.env.DRAINED_FILE, 'drained on SIGTERM').then(() => process.exit(0)))
         Bun.write(Bun.env.READY_FILE, 'ready')
         setInterval(() => {}, 60_000)`,
      ],
      env: files,
    }
    // The failing one waits a minute for its restart when stop comes.
    const run = supervised([drainer, exiting('failing', 1)], {
      ...quick,
      firstMs: 60_000,
      maxMs: 60_000,
    })
    await waitFor(() => readFileSync(files.READY_FILE, 'utf8') === 'ready', {
      what: 'drainer ready',
    })
    await waitFor(() => run.lines.length === 1, { what: 'failing waiting for its restart' })

    await run.supervisor.stop()

    expect({
      drained: readFileSync(files.DRAINED_FILE, 'utf8'),
      running: [run.supervisor.pidOf('drainer'), run.supervisor.pidOf('failing')],
      lines: run.lines,
    }).toEqual({
      drained: 'drained on SIGTERM',
      running: [undefined, undefined],
      lines: ['failing exited with code 1 after 0 s; restarting in 60 s (attempt 1)'],
    })
  })
})
