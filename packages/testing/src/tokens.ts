import { defaults } from '@flash/config'
import { createTokenService } from '@flash/tokens'

/**
 * The token service the apps use in tests (same secret, issuer and audience
 * as the development defaults), to mint buyer tokens without a login each.
 *
 * @example
 * const { token } = await testTokens.signAccess({ id: userId, role: 'buyer' })
 */
export const testTokens = createTokenService({
  secret: defaults.devJwtSecret,
  issuer: defaults.jwtIssuer,
  audience: defaults.jwtAudience,
  accessTtlSeconds: 3600,
})
