import {
  defaults,
  jwtVars,
  portGroupVars,
  readEnv,
  redisVars,
  refuseDevSecrets,
} from '@flash/config'

const local = (port: number) => `http://127.0.0.1:${port}`

/** The only place the gateway reads the environment. */
export const env = readEnv(Bun.env, {
  HOST: { kind: 'string', default: '127.0.0.1' },
  PORT: { kind: 'int', default: defaults.ports.gateway, min: 0 },
  AUTH_URL: { kind: 'url', default: local(defaults.ports.auth) },
  CATALOG_URL: { kind: 'url', default: local(defaults.ports.catalog) },
  CHECKOUT_URL: { kind: 'url', default: local(defaults.ports.checkout) },
  /**
   * `yes` runs checkout inside the gateway's process (the single-machine
   * deployment): the gateway hands it requests without an HTTP hop, and it
   * still listens at CHECKOUT_URL for the other apps. README "Architecture", "Two deployments".
   */
  CHECKOUT_IN_PROCESS: { kind: 'bool', default: false },
  ...jwtVars,
  /** Sent to every app with each request; apps believe X-Forwarded-For only next to it. */
  SERVICE_TOKEN: { kind: 'string', default: defaults.devServiceToken, secret: true },
  MAX_BODY_BYTES: { kind: 'int', default: defaults.maxBodyBytes, min: 256 },
  /** How long the gateway waits for an app's answer headers (streamed bodies may last longer). */
  UPSTREAM_TIMEOUT_MS: { kind: 'int', default: 10_000, min: 1 },
  /** How long a client has to send a whole request body before the gateway answers 408. */
  BODY_TIMEOUT_MS: { kind: 'int', default: 5_000, min: 1 },
  /** Server-sent event streams open at once from one client address, and in all. */
  EVENT_STREAMS_PER_CLIENT: { kind: 'int', default: 8, min: 1 },
  EVENT_STREAMS_TOTAL: { kind: 'int', default: 1_000, min: 1 },
  BREAKER_OPEN_MS: { kind: 'int', default: 10_000, min: 1 },
  /** Where logout marks revoked tokens (the prefix and partitions the apps use). */
  ...redisVars,
  ...portGroupVars,
})

refuseDevSecrets(env, Bun.env.NODE_ENV)
