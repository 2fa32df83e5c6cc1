import { cpus, release, totalmem } from 'node:os'
import { connectDb } from '@flash/db/client'
import { connectRedis } from '@flash/redis'
import { sql } from 'drizzle-orm'

/**
 * The machine and versions a run measured, for the report's heading:
 * figures mean nothing without them.
 *
 * @example
 * const machine: Machine = await describeMachine(redisUrl, databaseUrl, 'wrk')
 */
export type Machine = {
  cpu: string
  cores: number
  memoryGiB: number
  kernel: string
  bun: string
  redis: string
  redisServerBinary: string
  mysql: string
  wrk: string
  oha: string
}

/**
 * @example
 * const machine = await describeMachine(services.redisUrl, services.databaseUrl)
 */
export async function describeMachine(redisUrl: string, databaseUrl: string): Promise<Machine> {
  const redis = connectRedis(redisUrl, { name: 'bench-machine' })
  // The server, not its database: on a fresh machine `bun run start` may not have created it yet.
  const server = new URL(databaseUrl)
  server.pathname = '/'
  const { db, close } = connectDb(server.toString(), { connectionLimit: 1 })
  try {
    const info = await redis.info('server')
    const [rows] = (await db.execute(sql`SELECT VERSION() AS v`)) as unknown as [{ v: string }[]]
    return {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      kernel: `Linux ${release()}`,
      bun: `${Bun.version} (${Bun.revision.slice(0, 8)})`,
      redis: /^redis_version:(.*)$/m.exec(info)?.[1]?.trim() ?? 'unknown',
      redisServerBinary: firstLine(['redis-server', '--version']).replace(
        /^Redis server v=(\S+).*/,
        '$1',
      ),
      mysql: rows[0]?.v ?? 'unknown',
      wrk: firstLine(['wrk', '-v']).replace(/ Copyright.*/, ''),
      oha: Bun.which('oha') ? firstLine(['oha', '--version']) : 'not installed',
    }
  } finally {
    redis.disconnect()
    await close()
  }
}

function firstLine(command: string[]): string {
  if (!Bun.which(command[0] ?? '')) return 'not installed'
  const { stdout, stderr } = Bun.spawnSync(command)
  return `${stdout.toString()}${stderr.toString()}`.trim().split('\n')[0] ?? 'unknown'
}
