export { type ServiceOptions, service } from './service.ts'
export { apiError } from './api-error.ts'
