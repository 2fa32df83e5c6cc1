import { defaults } from './defaults.ts'
import type { EnvSpec, EnvValues } from './read-env.ts'

/**
 * The variables of every app that signs or verifies access tokens, for its
 * `readEnv` spec. `refuseDevSecrets` refuses the default secret in production.
 *
 * @example
 * const env = readEnv(Bun.env, { PORT: { kind: 'int', default: 3002 }, ...jwtVars })
 */
export const jwtVars = {
  JWT_SECRET: { kind: 'string', default: defaults.devJwtSecret, secret: true },
  JWT_ISSUER: { kind: 'string', default: defaults.jwtIssuer },
  JWT_AUDIENCE: { kind: 'string', default: defaults.jwtAudience },
} as const satisfies EnvSpec

/**
 * Those variables as the settings `@flash/tokens` takes.
 *
 * @example
 * const tokens = createTokenVerifier(jwtSettings(env)) // { secret, issuer, audience }
 */
export function jwtSettings(env: EnvValues<typeof jwtVars>) {
  return { secret: env.JWT_SECRET, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE }
}
