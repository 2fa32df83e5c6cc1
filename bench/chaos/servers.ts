import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { migrateDb } from '@flash/db/client'
import { ensureMysql, freePort } from '@flash/devstack'
import mysql from 'mysql2/promise'
import { type Managed, managed, redisReady } from './managed.ts'

const migrationsFolder = new URL('../../drizzle', import.meta.url).pathname

/**
 * The campaign's own redis-server: durable as the project requires (AOF,
 * fsync every second, no eviction), on a port and in a folder that stay the
 * same across restarts, so a restart "from its AOF" and a restart "empty"
 * differ only by the files.
 *
 * @example
 * const redis = await startPrivateRedis(logDir)
 * await redis.process.kill9()
 * await redis.process.start() // reloads the AOF
 */
export type PrivateRedis = {
  url: string
  process: Managed
  /** SIGSTOP: the server holds every connection and answers nothing. */
  pause: () => void
  /** SIGCONT after a pause. */
  resume: () => void
  /** Deletes its files; only while it is stopped. */
  wipe: () => void
  stop: () => Promise<void>
}

/**
 * @example
 * const redis = await startPrivateRedis(logDir)
 */
export async function startPrivateRedis(logDir: string): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'chaos-redis-'))
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  const command = [
    'redis-server',
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--maxmemory-policy',
    'noeviction',
  ]
  const process = managed('redis', command, {}, join(logDir, 'redis.log'), redisReady(url))
  await process.start()
  const signal = (name: NodeJS.Signals) => globalThis.process.kill(process.pid(), name)
  return {
    url,
    process,
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    wipe() {
      if (process.running()) throw new Error('refusing to delete the files of a running Redis')
      rmSync(dir, { recursive: true, force: true })
      mkdirSync(dir)
    },
    async stop() {
      // A paused server would never answer SIGTERM's drain.
      if (process.running()) signal('SIGCONT')
      await process.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * The campaign's own mariadbd (devstack starts one when the URL it is given
 * answers nowhere), with the schema migrated. The read-lock fault only ever
 * reaches this server: `readLock` checks that it talks to this data folder.
 *
 * @example
 * const mysql = await startPrivateMysql()
 * const unlock = await mysql.readLock()
 * await unlock()
 */
export type PrivateMysql = {
  url: string
  /** FLUSH TABLES WITH READ LOCK on a connection of its own; resolves to the unlock. */
  readLock: () => Promise<() => Promise<void>>
  stop: () => Promise<void>
}

/**
 * @example
 * const mysql = await startPrivateMysql(); await mysql.stop()
 */
export async function startPrivateMysql(log: (line: string) => void): Promise<PrivateMysql> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chaos-mysql-'))
  // Port 1 answers nowhere, so devstack starts a private server instead of using a shared one.
  const service = await ensureMysql('mysql://root@127.0.0.1:1/chaos', { dataDir, log })
  const stop = async () => {
    await service.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
  if (!service.started || new URL(service.url).port === '3306') {
    await stop()
    throw new Error(`expected a private mariadbd, got ${service.url}`)
  }
  await migrateDb(service.url, migrationsFolder)
  return {
    url: service.url,
    async readLock() {
      const conn = await mysql.createConnection({ uri: service.url })
      const [rows] = await conn.query('SELECT @@datadir AS datadir')
      const datadir = String((rows as { datadir: string }[])[0]?.datadir)
      if (!datadir.startsWith(dataDir)) {
        await conn.end()
        throw new Error(`refusing to lock ${datadir}: not the campaign's server (${dataDir})`)
      }
      await conn.query('FLUSH TABLES WITH READ LOCK')
      return async () => {
        await conn.query('UNLOCK TABLES')
        await conn.end()
      }
    },
    stop,
  }
}
