import { defaults } from './defaults.ts'
import { ConfigError } from './read-env.ts'

/** The secrets whose development defaults are in this repository, for anyone to read. */
const devSecrets = {
  /** Anyone could mint admin tokens with it. */
  JWT_SECRET: defaults.devJwtSecret,
  /** Anyone could call the apps' internal routes with it. */
  SERVICE_TOKEN: defaults.devServiceToken,
}

/**
 * Refuses to run in production (`NODE_ENV=production`) with the development
 * default of a secret: every app's `env.ts` calls it with what it read.
 *
 * @example
 * refuseDevSecrets(env, Bun.env.NODE_ENV)
 * // ConfigError: JWT_SECRET must be set to a secret of your own in production (the development default is public)
 */
export function refuseDevSecrets(
  env: { [name in keyof typeof devSecrets]?: string },
  nodeEnv: string | undefined,
): void {
  if (nodeEnv !== 'production') return
  for (const [name, devDefault] of Object.entries(devSecrets))
    if (env[name as keyof typeof devSecrets] === devDefault)
      throw new ConfigError(
        `${name} must be set to a secret of your own in production (the development default is public)`,
      )
}
