export { type BearerOptions, bearer } from './bearer.ts'
export {
  createTokenService,
  type Identity,
  type SignedAccess,
  type SignOptions,
  type TokenConfig,
  type TokenService,
} from './tokens.ts'
