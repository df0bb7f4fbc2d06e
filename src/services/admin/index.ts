/** The admin service's public surface: tenants, users of a tenant, the RBAC catalogue, the audit log. */
export { createTenant, deleteTenant, getTenant, listTenants, updateTenant } from './tenants.ts';
export { applyUserAction, getUser, inviteTenantUser, listUsers, setUserRoles } from './users.ts';
export { createPermission, listPermissions, listRoles, setRolePermissions } from './rbac.ts';
export { listAudit } from './audit.ts';
export { isPlatformAdmin } from './access.ts';
export * from './model.ts';
export * from './views.ts';
