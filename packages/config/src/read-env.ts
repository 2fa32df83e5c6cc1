/** A variable that is missing or malformed; the message names it. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** `redis+cluster://[user[:password]@]host:port,host:port,...` (see connectRedis in @flash/redis). */
const CLUSTER_URL = /^redis\+cluster:\/\/([^@/]*@)?(\[?[^\],/@]+\]?:\d+)(,\[?[^\],/@]+\]?:\d+)*$/

type Kind = 'string' | 'int' | 'url' | 'redis-url' | 'bool'
type Field = { kind: Kind; default?: string | number | boolean; min?: number; secret?: boolean }
export type EnvSpec = Record<string, Field>

type ValueOf<F extends Field> = F['kind'] extends 'int'
  ? number
  : F['kind'] extends 'bool'
    ? boolean
    : string
export type EnvValues<S extends EnvSpec> = { [K in keyof S]: ValueOf<S[K]> }

/**
 * Validates environment variables once, at start-up, and fails with an error
 * naming the variable. Apps call this from their `env.ts` only; packages
 * receive plain values as arguments.
 *
 * @example
 * const env = readEnv(Bun.env, {
 *   PORT: { kind: 'int', default: 3003, min: 0 },
 *   REDIS_URL: { kind: 'url', default: 'redis://127.0.0.1:6379' },
 * })
 * env.PORT // number
 */
export function readEnv<S extends EnvSpec>(
  source: Record<string, string | undefined>,
  spec: S,
): EnvValues<S> {
  const out: Record<string, string | number | boolean> = {}
  for (const [name, field] of Object.entries(spec)) {
    const raw = source[name]
    if (raw === undefined || raw === '') {
      if (field.default === undefined) throw new ConfigError(`${name} is required but not set`)
      out[name] = field.default
      continue
    }
    out[name] = parse(name, raw, field)
  }
  return out as EnvValues<S>
}

function parse(name: string, raw: string, field: Field): string | number | boolean {
  switch (field.kind) {
    case 'string':
      return raw
    case 'int': {
      const n = Number(raw)
      if (!Number.isInteger(n)) throw new ConfigError(`${name} must be an integer, got "${raw}"`)
      if (field.min !== undefined && n < field.min)
        throw new ConfigError(`${name} must be >= ${field.min}, got ${n}`)
      return n
    }
    case 'url':
      if (!URL.canParse(raw)) throw new ConfigError(`${name} must be a URL, got "${raw}"`)
      return raw
    case 'redis-url':
      // A cluster is named by several nodes, which no URL parser takes as a host.
      if (URL.canParse(raw) || CLUSTER_URL.test(raw)) return raw
      throw new ConfigError(
        `${name} must be a redis:// URL or redis+cluster://host:port,host:port,..., got "${raw}"`,
      )
    case 'bool':
      if (['1', 'true', 'on', 'yes'].includes(raw)) return true
      if (['0', 'false', 'off', 'no'].includes(raw)) return false
      throw new ConfigError(`${name} must be true/false, got "${raw}"`)
  }
}
