import { describe, expect, it } from 'bun:test'
import {
  ConfigError,
  defaults,
  jwtSettings,
  jwtVars,
  readEnv,
  refuseDevSecrets,
} from '../src/index.ts'

describe('refuseDevSecrets', () => {
  const dev = { JWT_SECRET: defaults.devJwtSecret, SERVICE_TOKEN: defaults.devServiceToken }
  const own = { JWT_SECRET: 'a-production-secret-of-forty-characters!', SERVICE_TOKEN: 'ours' }

  it('lets the development secrets through outside production', () => {
    expect(() => refuseDevSecrets(dev, undefined)).not.toThrow()
    expect(() => refuseDevSecrets(dev, 'development')).not.toThrow()
  })

  it('refuses each development secret in production and names it', () => {
    expect(() => refuseDevSecrets(own, 'production')).not.toThrow()
    expect(() => refuseDevSecrets({ ...own, JWT_SECRET: dev.JWT_SECRET }, 'production')).toThrow(
      new ConfigError(
        'JWT_SECRET must be set to a secret of your own in production (the development default is public)',
      ),
    )
    expect(() =>
      refuseDevSecrets(
        { JWT_SECRET: own.JWT_SECRET, SERVICE_TOKEN: dev.SERVICE_TOKEN },
        'production',
      ),
    ).toThrow('SERVICE_TOKEN must be set to a secret of your own in production')
  })

  it('checks only the secrets an app reads', () => {
    expect(() => refuseDevSecrets({ JWT_SECRET: own.JWT_SECRET }, 'production')).not.toThrow()
  })
})

describe('jwtVars', () => {
  it('read as the settings @flash/tokens takes, the development ones by default', () => {
    expect(jwtSettings(readEnv({ JWT_ISSUER: 'shop' }, jwtVars))).toEqual({
      secret: defaults.devJwtSecret,
      issuer: 'shop',
      audience: defaults.jwtAudience,
    })
  })
})
