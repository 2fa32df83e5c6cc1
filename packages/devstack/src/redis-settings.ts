/**
 * How often a private Redis fsyncs its append-only file: once a second (up to
 * about a second of writes lost on a machine crash) or before every write is
 * acknowledged (none lost, at a price per write; bench/README.md has it).
 *
 * @example
 * const appendfsync: Appendfsync = 'always'
 */
export type Appendfsync = 'everysec' | 'always'

/**
 * The durability settings every Redis the project starts runs with: an
 * append-only file, fsynced as `appendfsync` says, and no eviction (a full
 * Redis refuses writes rather than dropping stock counters or stream entries).
 * RDB snapshots stay off: the AOF already holds everything, and a snapshot is
 * one more fork per interval.
 *
 * @example
 * Bun.spawn(['redis-server', '--port', '6390', ...durableRedisArgs('always')])
 */
export function durableRedisArgs(appendfsync: Appendfsync = 'everysec'): string[] {
  return [
    '--appendonly',
    'yes',
    '--appendfsync',
    appendfsync,
    '--maxmemory-policy',
    'noeviction',
    '--save',
    '',
  ]
}

/**
 * Reads the fsync setting of a private Redis (`REDIS_APPENDFSYNC`): unset
 * means `everysec`; anything but `everysec` or `always` is refused.
 *
 * @example
 * parseAppendfsync(Bun.env.REDIS_APPENDFSYNC) // 'everysec'
 */
export function parseAppendfsync(raw: string | undefined): Appendfsync {
  if (raw === undefined || raw === '') return 'everysec'
  if (raw === 'everysec' || raw === 'always') return raw
  throw new Error(`REDIS_APPENDFSYNC must be "everysec" or "always", got "${raw}"`)
}
