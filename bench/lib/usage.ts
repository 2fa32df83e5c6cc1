import { readFileSync } from 'node:fs'
import type { Db } from '@flash/db/client'
import type { RedisClient } from '@flash/redis'
import { sql } from 'drizzle-orm'

/**
 * A process to watch. `shared` marks one the bench did not start (the shared
 * Redis, MySQL): its lifetime peak (VmHWM) says nothing about this run, so
 * only the samples taken during the run count.
 *
 * @example
 * const watched: Watched = { name: 'checkout', pid: checkout.pid }
 */
export type Watched = { name: string; pid: number; shared?: boolean }

/**
 * Peak memory and CPU of one process over a measured run. `cpuPercent` is of
 * one core: 150 means one and a half of the machine's cores.
 *
 * @example
 * const usage: ProcessUsage = { name: 'checkout', pid: 1, peakRssMb: 80, cpuPercent: 95, shared: false }
 */
export type ProcessUsage = {
  name: string
  pid: number
  peakRssMb: number
  cpuPercent: number
  shared: boolean
}

// Linux reports CPU time in clock ticks of 1/100 s on every common platform.
const TICKS_PER_SECOND = 100

type Track = Watched & { peakKb: number; ticksAtStart: number | null; ticks: number | null }

/**
 * Samples RSS every `intervalMs` and CPU time at start and stop, from /proc.
 *
 * @example
 * const usage = watchUsage([{ name: 'checkout', pid }])
 * // ... load ...
 * const peaks = usage.stop()
 */
export function watchUsage(watched: readonly Watched[], intervalMs = 200) {
  const started = performance.now()
  const tracks: Track[] = []
  const add = (w: Watched) => {
    const ticks = cpuTicks(w.pid)
    tracks.push({ ...w, peakKb: 0, ticksAtStart: ticks, ticks })
    sample()
  }
  const sample = () => {
    for (const track of tracks) {
      const memory = memoryKb(track.pid)
      if (!memory) continue
      // VmHWM is the process's own peak, between samples too; only ours started with this run.
      track.peakKb = Math.max(track.peakKb, memory.rss, track.shared ? 0 : memory.hwm)
      track.ticks = cpuTicks(track.pid) ?? track.ticks
    }
  }
  for (const w of watched) add(w)
  const timer = setInterval(sample, intervalMs)
  return {
    /** Watches one more process from now on (the load driver once it runs). */
    add,
    stop(): ProcessUsage[] {
      clearInterval(timer)
      sample()
      const seconds = (performance.now() - started) / 1000
      return tracks.map((t) => ({
        name: t.name,
        pid: t.pid,
        peakRssMb: Math.round(t.peakKb / 1024),
        cpuPercent:
          t.ticks === null || t.ticksAtStart === null
            ? 0
            : Math.round(((t.ticks - t.ticksAtStart) / TICKS_PER_SECOND / seconds) * 100),
        shared: Boolean(t.shared),
      }))
    },
  }
}

function memoryKb(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0)
    return { rss: field('VmRSS'), hwm: field('VmHWM') }
  } catch {
    return null
  }
}

function cpuTicks(pid: number): number | null {
  try {
    // The command name (field 2) may hold spaces; fields after its ')' are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return null
  }
}

/**
 * The shared Redis and MySQL servers as processes to watch, when they run on
 * this machine (Redis says its pid; MySQL says where its pid file is).
 *
 * @example
 * const servers = await sharedServers(redis, db) // [{ name: 'redis (shared)', pid, shared: true }, ...]
 */
export async function sharedServers(redis: RedisClient, db: Db): Promise<Watched[]> {
  const found: Watched[] = []
  const info = await redis.info('server')
  const redisPid = Number(/^process_id:(\d+)/m.exec(info)?.[1])
  if (redisPid && memoryKb(redisPid))
    found.push({ name: 'redis (shared)', pid: redisPid, shared: true })
  const [rows] = (await db.execute(sql`SELECT @@pid_file AS file`)) as unknown as [
    { file: string }[],
  ]
  try {
    const mysqlPid = Number(readFileSync(rows[0]?.file ?? '', 'utf8').trim())
    if (mysqlPid && memoryKb(mysqlPid))
      found.push({ name: 'mysql (shared)', pid: mysqlPid, shared: true })
  } catch {
    // Another host or an unreadable pid file: MySQL's memory stays out of the report.
  }
  return found
}
