/**
 * A Redis or MySQL server the caller can use, and how to let go of it.
 *
 * @example
 * const redis: Service = await ensureRedis(url, { dataDir })
 * if (redis.started) console.log(`private redis at ${redis.url}`)
 */
export type Service = {
  url: string
  /** True when this process started a private server; false when an existing one answered. */
  started: boolean
  /** Stops the private server and waits for it to exit; a no-op for a server found running. */
  stop: () => Promise<void>
}

/**
 * Looks up an executable by name and returns its absolute path, or null.
 * Injected by tests so they can simulate a machine without the servers
 * installed, without mutating the process-wide PATH.
 *
 * @example
 * const noServers: Which = (bin) => (bin === 'mariadbd' ? null : defaultWhich(bin))
 */
export type Which = (bin: string) => string | null

/**
 * Options shared by ensureRedis and ensureMysql.
 *
 * @example
 * const options: EnsureOptions = { dataDir: '.data', log: console.log, which: () => null }
 */
export type EnsureOptions = {
  /** Parent folder for private servers' data and logs; reused across runs. */
  dataDir: string
  log?: (line: string) => void
  which?: Which
}

/**
 * Nothing answered at the configured URL and no server binary could be found
 * to start one; the message says what to install or run.
 *
 * @example
 * try {
 *   await ensureRedis(url, { dataDir })
 * } catch (error) {
 *   if (error instanceof MissingServiceError) console.error(error.message)
 * }
 */
export class MissingServiceError extends Error {
  override name = 'MissingServiceError'
}

/**
 * Finds executables on PATH, then in the sbin folders: Debian installs
 * `mariadbd` in /usr/sbin, which is not on a regular user's PATH.
 *
 * @example
 * defaultWhich('redis-server') // '/usr/bin/redis-server' or null
 */
export const defaultWhich: Which = (bin) =>
  Bun.which(bin) ?? Bun.which(bin, { PATH: '/usr/local/sbin:/usr/sbin:/sbin' })

/**
 * Hides the password in a URL so it can go into logs and error messages.
 *
 * @example
 * redact('mysql://app:secret@db:3306/shop') // 'mysql://app:***@db:3306/shop'
 * redact('redis+cluster://:pw@a:7000,b:7001') // 'redis+cluster://:***@a:7000,b:7001'
 */
export function redact(url: string): string {
  // A redis+cluster:// list of nodes is no URL to the parser; its password is hidden all the same.
  if (!URL.canParse(url)) return url.replace(/^([a-z+]+:\/\/[^:@/]*):[^@/]*@/, '$1:***@')
  const parsed = new URL(url)
  if (parsed.password) parsed.password = '***'
  return parsed.toString()
}
