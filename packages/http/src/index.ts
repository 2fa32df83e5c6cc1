export { apiError } from './api-error.ts'
export { idString, UUID_PATTERN } from './ids.ts'
export { pathOf, type ServiceOptions, service } from './service.ts'
