export { ConfigError, readEnv, type EnvSpec, type EnvValues } from './read-env.ts'
export { defaults } from './defaults.ts'
