import { describe, expect, it } from 'bun:test'
import { ConfigError, defaults } from '@flash/config'
import { DEV_SERVICE_TOKEN, readSeedEnv, readServerEnv } from '../src/env.ts'

describe('readServerEnv', () => {
  it('falls back to the development defaults when nothing is set', () => {
    const { piiKeyring, ...env } = readServerEnv({})

    expect(env).toEqual({
      HOST: '127.0.0.1',
      PORT: defaults.ports.auth,
      DATABASE_URL: defaults.databaseUrl,
      REDIS_URL: defaults.redisUrl,
      REDIS_PREFIX: 'fs:',
      REDIS_PARTITIONS: 1,
      NODE_ENV: 'development',
      REDIS_ALLOW_NO_AOF: false,
      JWT_SECRET: defaults.devJwtSecret,
      JWT_ISSUER: defaults.jwtIssuer,
      JWT_AUDIENCE: defaults.jwtAudience,
      ACCESS_TOKEN_TTL_SECONDS: 900,
      REFRESH_TOKEN_TTL_SECONDS: 14 * 24 * 60 * 60,
      MAX_BODY_BYTES: defaults.maxBodyBytes,
      RATE_LIMITS: 'on',
      LOGIN_RATE_LIMIT: 10,
      LOGIN_RATE_WINDOW_SECONDS: 900,
      LOGIN_ACCOUNT_RATE_LIMIT: 50,
      LOGIN_ACCOUNT_RATE_WINDOW_SECONDS: 900,
      SIGNUP_RATE_LIMIT: 10,
      SIGNUP_RATE_WINDOW_SECONDS: 3600,
      VERIFY_RATE_LIMIT: 30,
      VERIFY_RATE_WINDOW_SECONDS: 3600,
      CHECKOUT_URL: `http://127.0.0.1:${defaults.ports.checkout}`,
      SERVICE_TOKEN: DEV_SERVICE_TOKEN,
      BREAKER_OPEN_MS: 10_000,
      CHECKOUT_TIMEOUT_MS: 1000,
      rateLimits: {
        login: { limit: 10, windowSeconds: 900 },
        loginAccount: { limit: 50, windowSeconds: 900 },
        signup: { limit: 10, windowSeconds: 3600 },
        verify: { limit: 30, windowSeconds: 3600 },
      },
    })
    expect(piiKeyring.current.id).toBe('dev')
  })

  it('turns every rate limit off with RATE_LIMITS=off', () => {
    expect(readServerEnv({ RATE_LIMITS: 'off' }).rateLimits).toBeNull()
    expect(() => readServerEnv({ RATE_LIMITS: 'sometimes' })).toThrow(
      'RATE_LIMITS must be on or off, got "sometimes"',
    )
  })

  it('refuses every development secret in production', () => {
    const own = {
      NODE_ENV: 'production',
      JWT_SECRET: 'a-production-secret-of-forty-characters!',
      SERVICE_TOKEN: 'a-production-service-token',
      PII_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    }

    expect(() => readServerEnv(own)).not.toThrow()
    for (const name of ['JWT_SECRET', 'SERVICE_TOKEN', 'PII_KEYS'])
      expect(() => readServerEnv({ ...own, [name]: '' })).toThrow(ConfigError)
    expect(() => readServerEnv({ ...own, PII_KEYS: '' })).toThrow(
      'PII_KEYS must be set to keys of your own in production',
    )
  })

  it('names the variable that is malformed', () => {
    expect(() => readServerEnv({ ACCESS_TOKEN_TTL_SECONDS: 'soon' })).toThrow(
      'ACCESS_TOKEN_TTL_SECONDS must be an integer, got "soon"',
    )
    expect(() => readServerEnv({ PII_KEYS: 'k1:c2hvcnQ=' })).toThrow(
      'PII_KEYS is malformed: key k1 must be 32 bytes (AES-256), got 5',
    )
  })
})

describe('readSeedEnv', () => {
  it('says which settings fell back to their defaults', () => {
    const { env, defaulted, piiKeyring } = readSeedEnv({ ADMIN_EMAIL: 'boss@shop.example' })

    expect(env).toEqual({
      DATABASE_URL: defaults.databaseUrl,
      ADMIN_EMAIL: 'boss@shop.example',
      ADMIN_PASSWORD: 'admin-password-change-me',
      DEMO_BUYERS: 3,
    })
    expect(defaulted).toEqual(['ADMIN_PASSWORD', 'DEMO_BUYERS'])
    expect(piiKeyring.current.id).toBe('dev')
  })

  it('refuses the default admin password and demo buyers in production', () => {
    const production = {
      NODE_ENV: 'production',
      DEMO_BUYERS: '0',
      PII_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    }

    expect(() => readSeedEnv(production)).toThrow('ADMIN_PASSWORD')
    expect(() =>
      readSeedEnv({ ...production, ADMIN_PASSWORD: 's3cret', DEMO_BUYERS: '2' }),
    ).toThrow('DEMO_BUYERS')
    expect(() => readSeedEnv({ ...production, ADMIN_PASSWORD: 's3cret' })).not.toThrow()
    expect(() => readSeedEnv({ ...production, ADMIN_PASSWORD: 's3cret', PII_KEYS: '' })).toThrow(
      'PII_KEYS',
    )
  })
})
