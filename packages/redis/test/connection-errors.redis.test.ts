import { describe, expect, it } from 'bun:test'
import { freePort } from '@flash/devstack'
import { waitFor } from '@flash/testing'
import { connectRedis } from '../src/index.ts'

/** A redis-server keeping nothing, on `port`, answering once it is up. */
async function redisOn(port: number) {
  const child = Bun.spawn(
    [
      'redis-server',
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdout: 'ignore', stderr: 'ignore' },
  )
  const probe = connectRedis(`redis://127.0.0.1:${port}`, { failFast: true, log: () => {} })
  await waitFor(
    () =>
      probe.ping().then(
        () => true,
        () => false,
      ),
    { what: 'redis-server to answer' },
  )
  probe.disconnect()
  return child
}

describe('connectRedis while Redis is down', () => {
  it('logs one line per kind of error and one when it is back, not a stack trace per retry', async () => {
    const port = await freePort()
    const first = await redisOn(port)
    const lines: string[] = []
    let errors = 0
    const redis = connectRedis(`redis://127.0.0.1:${port}`, {
      name: 'probe',
      log: (line) => lines.push(line),
    })
    redis.on('error', () => errors++)
    await redis.ping()

    first.kill('SIGKILL')
    await first.exited
    await waitFor(() => errors >= 3, { what: 'three failed reconnects' })
    const second = await redisOn(port)
    await waitFor(() => lines.at(-1) === '[redis:probe] connected again', { what: 'the reconnect' })
    redis.disconnect()
    second.kill('SIGKILL')

    expect(lines).toEqual([
      expect.stringMatching(
        /^\[redis:probe\] .+; retrying \(the same error is not logged again until it reconnects\)$/,
      ),
      '[redis:probe] connected again',
    ])
  })
})
