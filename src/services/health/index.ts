/**
 * The health service's public surface. It has no views.ts (the report is already the API
 * shape) and no errors.ts (a store that is down is reported, never thrown).
 */
export { checkHealth } from './check.ts';
export type { HealthReport, StoreCheck } from './model.ts';
