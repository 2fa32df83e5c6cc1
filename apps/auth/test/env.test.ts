import { describe, expect, it } from 'bun:test'
import { ConfigError, defaults } from '@flash/config'
import { readSeedEnv, readServerEnv } from '../src/env.ts'

describe('readServerEnv', () => {
  it('falls back to the development defaults when nothing is set', () => {
    expect(readServerEnv({})).toEqual({
      HOST: '127.0.0.1',
      PORT: defaults.ports.auth,
      DATABASE_URL: defaults.databaseUrl,
      REDIS_URL: defaults.redisUrl,
      JWT_SECRET: defaults.devJwtSecret,
      JWT_ISSUER: defaults.jwtIssuer,
      JWT_AUDIENCE: defaults.jwtAudience,
      ACCESS_TOKEN_TTL_SECONDS: 900,
      MAX_BODY_BYTES: defaults.maxBodyBytes,
    })
  })

  it('refuses to sign with the development secret in production', () => {
    expect(() => readServerEnv({ NODE_ENV: 'production' })).toThrow(ConfigError)
    expect(() =>
      readServerEnv({
        NODE_ENV: 'production',
        JWT_SECRET: 'a-production-secret-of-forty-characters!',
      }),
    ).not.toThrow()
  })

  it('names the variable that is malformed', () => {
    expect(() => readServerEnv({ ACCESS_TOKEN_TTL_SECONDS: 'soon' })).toThrow(
      'ACCESS_TOKEN_TTL_SECONDS must be an integer, got "soon"',
    )
  })
})

describe('readSeedEnv', () => {
  it('says which settings fell back to their defaults', () => {
    const { env, defaulted } = readSeedEnv({ ADMIN_EMAIL: 'boss@shop.example' })

    expect(env).toEqual({
      DATABASE_URL: defaults.databaseUrl,
      ADMIN_EMAIL: 'boss@shop.example',
      ADMIN_PASSWORD: 'admin-password-change-me',
      DEMO_BUYERS: 3,
    })
    expect(defaulted).toEqual(['ADMIN_PASSWORD', 'DEMO_BUYERS'])
  })

  it('refuses the default admin password and demo buyers in production', () => {
    const production = { NODE_ENV: 'production', DEMO_BUYERS: '0' }

    expect(() => readSeedEnv(production)).toThrow('ADMIN_PASSWORD')
    expect(() =>
      readSeedEnv({ ...production, ADMIN_PASSWORD: 's3cret', DEMO_BUYERS: '2' }),
    ).toThrow('DEMO_BUYERS')
    expect(() => readSeedEnv({ ...production, ADMIN_PASSWORD: 's3cret' })).not.toThrow()
  })
})
