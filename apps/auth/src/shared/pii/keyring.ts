import { err, ok, type Result } from 'neverthrow'

/** AES-256 keys by id; `current` encrypts, every key decrypts what was written under it. */
export type Keyring = {
  readonly current: { readonly id: string; readonly key: Buffer }
  readonly keys: ReadonlyMap<string, Buffer>
}

/**
 * The development keyring: a public key, so `env.ts` refuses it when
 * NODE_ENV=production. Its id says what it is in every value it encrypts.
 */
export const DEV_PII_KEYS = 'dev:ZGV2LW9ubHktcGlpLWtleS1jaGFuZ2UtbWUtMDEyMzQ='

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/
const KEY_BYTES = 32

/**
 * Parses `PII_KEYS`: `id:base64key,id:base64key,...`, the first one current.
 * Older keys stay listed until `rotate-pii.ts` has re-encrypted everything
 * written under them (and the 10 minutes a pending signup lives have passed).
 *
 * @example
 * parseKeyring('k2:<32 bytes base64>,k1:<32 bytes base64>') // ok({ current: { id: 'k2', ... }, keys })
 * parseKeyring('k1:c2hvcnQ=') // err('key k1 must be 32 bytes (AES-256), got 5')
 */
export function parseKeyring(spec: string): Result<Keyring, string> {
  const keys = new Map<string, Buffer>()
  let current: Keyring['current'] | undefined
  for (const entry of spec.split(',').map((part) => part.trim())) {
    const colon = entry.indexOf(':')
    const id = entry.slice(0, colon)
    if (colon < 0 || !KEY_ID.test(id))
      return err(`each entry must be <id>:<base64 key> with an id of [A-Za-z0-9_-], got "${id}"`)
    if (keys.has(id)) return err(`key id ${id} appears twice`)
    const key = Buffer.from(entry.slice(colon + 1), 'base64')
    if (key.length !== KEY_BYTES)
      return err(`key ${id} must be ${KEY_BYTES} bytes (AES-256), got ${key.length}`)
    keys.set(id, key)
    current ??= { id, key }
  }
  if (!current) return err('at least one key is required')
  return ok({ current, keys })
}
