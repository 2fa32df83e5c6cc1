export { apiError } from './api-error.ts'
export { type ServiceOptions, service } from './service.ts'
