export { defaults } from './defaults.ts'
export { ConfigError, type EnvSpec, type EnvValues, readEnv } from './read-env.ts'
