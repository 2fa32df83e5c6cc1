import { defaults } from '@flash/config'

/**
 * Builds a JWT by hand, so tests can present what an attacker would: a token
 * signed with the wrong key, already expired, with `alg: none`, or with a
 * tampered payload. Defaults produce a valid buyer token for the dev secret.
 *
 * @example
 * craftToken({ exp: Math.floor(Date.now() / 1000) - 60 }) // expired
 * craftToken({}, { alg: 'none' })                           // unsigned
 */
export function craftToken(
  claims: Record<string, unknown> = {},
  options: { secret?: string; alg?: 'HS256' | 'none' } = {},
): string {
  const now = Math.floor(Date.now() / 1000)
  const payload = {
    sub: crypto.randomUUID(),
    role: 'buyer',
    typ: 'access',
    jti: crypto.randomUUID(),
    iss: defaults.jwtIssuer,
    aud: defaults.jwtAudience,
    iat: now,
    exp: now + 600,
    ...claims,
  }
  const alg = options.alg ?? 'HS256'
  const head = `${b64(JSON.stringify({ alg, typ: 'JWT' }))}.${b64(JSON.stringify(payload))}`
  if (alg === 'none') return `${head}.`
  const mac = new Bun.CryptoHasher('sha256', options.secret ?? defaults.devJwtSecret)
  return `${head}.${mac.update(head).digest('base64url')}`
}

function b64(text: string): string {
  return Buffer.from(text).toString('base64url')
}
