export { defaults } from './defaults.ts'
export { refuseDevSecrets } from './dev-secrets.ts'
export { jwtSettings, jwtVars } from './jwt.ts'
export { ConfigError, type EnvSpec, type EnvValues, readEnv } from './read-env.ts'
