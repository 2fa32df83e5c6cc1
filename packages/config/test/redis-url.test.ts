import { describe, expect, it } from 'bun:test'
import { readEnv, redisVars } from '../src/index.ts'

const urlOf = (raw: string) => readEnv({ REDIS_URL: raw }, redisVars).REDIS_URL

describe('REDIS_URL', () => {
  it('takes one server or a redis+cluster:// list of nodes', () => {
    expect(urlOf('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379')
    const cluster = 'redis+cluster://:secret@10.0.0.1:7000,10.0.0.2:7001,[::1]:7002'
    expect(urlOf(cluster)).toBe(cluster)
  })

  it('refuses a cluster node without a port, and what is no URL at all', () => {
    expect(() => urlOf('redis+cluster://10.0.0.1:7000,10.0.0.2')).toThrow(
      'REDIS_URL must be a redis:// URL or redis+cluster://host:port,host:port,...',
    )
    expect(() => urlOf('localhost')).toThrow('REDIS_URL must be')
  })
})
