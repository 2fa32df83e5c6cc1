export { bearer } from './bearer.ts'
export { createTokenService, type Identity, type TokenConfig, type TokenService } from './tokens.ts'
