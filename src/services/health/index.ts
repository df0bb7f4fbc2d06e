/**
 * The health service's public surface. It has no views.ts (the report is already the API
 * shape) and no errors.ts (a store that is down or a setting that is wrong is reported, never thrown).
 */
export { checkHealth } from './check.ts';
export {
  configurationOf,
  DEVELOPMENT_ADMIN_PASSWORD,
  type ConfigurationProblem,
  type ConfigurationReport,
  type Environment,
} from './configuration.ts';
export { knownDefaultPasswordAdmins, platformAdminsOnDefaultPassword } from './default-admin.ts';
export type { HealthReport, StoreCheck } from './model.ts';
