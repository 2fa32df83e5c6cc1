import { afterAll, afterEach, beforeAll, describe, expect, it, type Mock, spyOn } from 'bun:test'
import { Elysia } from 'elysia'
import { serve, service, stopOnSignals } from '../src/index.ts'

const app = () =>
  new Elysia().use(service({ name: 'test', maxBodyBytes: 1024 })).get('/thing', () => 'ok')

describe('serve', () => {
  it('listens on the port the system chose, says where, and answers', async () => {
    const lines: string[] = []
    const served = await serve(app(), {
      name: 'test',
      port: 0,
      host: '127.0.0.1',
      log: (line) => lines.push(line),
    })
    try {
      const response = await fetch(`${served.url}/thing`)
      expect({ lines, status: response.status, body: await response.text() }).toEqual({
        lines: [`test listening on ${served.url}`],
        status: 200,
        body: 'ok',
      })
    } finally {
      await served.stop()
    }
  })

  it('stops as a signal would: ends streams, stops the app, then closes what it used', async () => {
    const steps: string[] = []
    const listeners = process.listenerCount('SIGTERM')
    const served = await serve(app(), {
      name: 'test',
      port: 0,
      host: '127.0.0.1',
      log: () => {},
      beforeStop: () => steps.push('before'),
      onStop: async () => {
        steps.push('closed')
      },
    })
    expect(process.listenerCount('SIGTERM')).toBe(listeners + 1)

    await served.stop()
    await served.stop()

    expect(steps).toEqual(['before', 'closed'])
    expect(process.listenerCount('SIGTERM')).toBe(listeners)
    expect(await fetch(`${served.url}/thing`).catch(() => 'refused')).toBe('refused')
  })
})

describe('stopOnSignals', () => {
  const exits: number[] = []
  let exited: (code: number) => void = () => {}
  let exit: Mock<typeof process.exit>
  beforeAll(() => {
    // The listeners under test exit the process; here they only report the code.
    exit = spyOn(process, 'exit').mockImplementation(((code: number) => {
      exits.push(code)
      exited(code)
    }) as typeof process.exit)
  })
  afterAll(() => exit.mockRestore())
  const nextExit = () => new Promise<number>((resolve) => (exited = resolve))
  let ignoreSignals = () => {}

  afterEach(() => {
    ignoreSignals()
    exits.length = 0
  })

  it('stops on the first signal and exits with 0; the same signal again exits at once with 1', async () => {
    let stops = 0
    ignoreSignals = stopOnSignals('test', async () => {
      stops++
    })

    const first = nextExit()
    process.emit('SIGINT')
    expect(await first).toBe(0)
    // `bun run start` follows the terminal's Ctrl-C with a SIGTERM of its own.
    process.emit('SIGTERM')
    process.emit('SIGINT')

    expect({ stops, exits }).toEqual({ stops: 1, exits: [0, 1] })
  })

  it('exits with 1 and says why when stopping fails', async () => {
    const lines: string[] = []
    ignoreSignals = stopOnSignals(
      'test',
      () => Promise.reject(new Error('MySQL went away')),
      (line) => lines.push(line),
    )

    const first = nextExit()
    process.emit('SIGTERM')

    expect(await first).toBe(1)
    expect(lines).toEqual([
      expect.stringContaining('test did not stop cleanly: Error: MySQL went away'),
    ])
  })

  it('leaves the process alone once its listeners are removed', () => {
    stopOnSignals('test', () => {})()
    process.emit('SIGTERM')
    expect(exits).toEqual([])
  })
})
