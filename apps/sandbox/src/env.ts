import { ConfigError, defaults, readEnv } from '@flash/config'

const raw = readEnv(Bun.env, {
  HOST: { kind: 'string', default: '127.0.0.1' },
  PORT: { kind: 'int', default: defaults.ports.sandbox, min: 0 },
  /** A share, 0..1; read as a string because readEnv has no decimal kind. */
  SANDBOX_DECLINE_RATE: { kind: 'string', default: '0.2' },
  SANDBOX_LATENCY_MS: { kind: 'int', default: 0, min: 0 },
  /** Set it and the same orders are declined on every run. */
  SANDBOX_SEED: { kind: 'string', default: '' },
  // Larger than the apps' default: an HTML order e-mail easily passes 16 KiB.
  MAX_BODY_BYTES: { kind: 'int', default: 1024 * 1024, min: 256 },
  /** 'production' only earns a warning: the sandbox is a development stand-in. */
  NODE_ENV: { kind: 'string', default: 'development' },
})

const declineRate = Number(raw.SANDBOX_DECLINE_RATE)
if (!(declineRate >= 0 && declineRate <= 1))
  throw new ConfigError(
    `SANDBOX_DECLINE_RATE must be a number from 0 to 1, got "${raw.SANDBOX_DECLINE_RATE}"`,
  )

/** The only place the sandbox reads the environment. */
export const env = { ...raw, SANDBOX_DECLINE_RATE: declineRate }
