export { type BearerOptions, bearer } from './bearer.ts'
export { bearerToken } from './bearer-token.ts'
export {
  createTokenService,
  createTokenVerifier,
  type Identity,
  type SignedAccess,
  type SignOptions,
  type TokenConfig,
  type TokenService,
  type TokenVerifier,
  type VerifierConfig,
} from './tokens.ts'
