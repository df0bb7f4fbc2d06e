import { createRoute } from '@hono/zod-openapi';

import { access } from '../../middleware/access.ts';
import { noStore } from '../../middleware/no-store.ts';
import { UserSchema } from '../auth/auth.schemas.ts';
import { jsonBody, jsonResponse, problemResponses, UuidParam } from '../schemas.ts';
import {
  AuditListQuery,
  AuditPage,
  InvitationSchema,
  InviteBody,
  PermissionCreateBody,
  PermissionListQuery,
  PermissionPage,
  PermissionSchema,
  RoleList,
  RoleNameParam,
  RolePermissionsBody,
  RoleSchema,
  TenantCreateBody,
  TenantCreatedSchema,
  TenantDetailSchema,
  TenantIdParam,
  TenantListQuery,
  TenantPage,
  TenantPatchBody,
  TenantUserParams,
  UserListQuery,
  UserPage,
  UserRolesBody,
} from './admin.schemas.ts';

/**
 * Admin API. Every route needs a user token with the ADMIN role (401 without
 * credentials, 403 otherwise; API keys carry no roles). Routes marked "platform"
 * also need the token's tenant to be PLATFORM_TENANT_ID. The services re-check the
 * caller in the database and apply the finer rules (own tenant, last admin, ...).
 */
const admin = access.userToken({ roles: ['ADMIN'] });
const platformAdmin = access.userToken({ roles: ['ADMIN'], platform: true });
const tenantTags = ['Admin: tenants'];
const userTags = ['Admin: users'];
const rbacTags = ['Admin: roles and permissions'];

// ---------------------------------------------------------------------------
// Tenants
// ---------------------------------------------------------------------------
export const listTenants = createRoute({
  method: 'get',
  path: '/admin/tenants',
  tags: tenantTags,
  ...platformAdmin,
  summary: 'List tenants (platform admin)',
  request: { query: TenantListQuery },
  responses: { 200: jsonResponse(TenantPage, 'A page of tenants'), ...problemResponses(400, 401, 403) },
});

export const createTenant = createRoute({
  method: 'post',
  path: '/admin/tenants',
  tags: tenantTags,
  // The answer carries the first admin's invitation: never cached.
  ...access.userToken({ roles: ['ADMIN'], platform: true, also: [noStore] }),
  summary: 'Create a tenant with its first ADMIN, invited to choose their own password (platform admin)',
  request: { body: jsonBody(TenantCreateBody) },
  responses: {
    201: jsonResponse(TenantCreatedSchema, 'Created, with the invitation (shown once)'),
    ...problemResponses(400, 401, 403, 409, 415),
  },
});

export const getTenant = createRoute({
  method: 'get',
  path: '/admin/tenants/{id}',
  tags: tenantTags,
  ...admin,
  summary: 'A tenant (platform admin: any; tenant admin: their own, others are 404)',
  request: { params: UuidParam },
  responses: { 200: jsonResponse(TenantDetailSchema, 'The tenant'), ...problemResponses(400, 401, 403, 404) },
});

export const updateTenant = createRoute({
  method: 'patch',
  path: '/admin/tenants/{id}',
  tags: tenantTags,
  ...admin,
  summary: 'Update a tenant (platform admin: any field; tenant admin: own name and domain only)',
  request: { params: UuidParam, body: jsonBody(TenantPatchBody) },
  responses: { 200: jsonResponse(TenantDetailSchema, 'Updated'), ...problemResponses(400, 401, 403, 404, 409, 415) },
});

export const deleteTenant = createRoute({
  method: 'delete',
  path: '/admin/tenants/{id}',
  tags: tenantTags,
  ...platformAdmin,
  summary: 'Soft-delete a tenant: status DELETED, its sessions revoked (platform admin)',
  request: { params: UuidParam },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404, 409) },
});

// ---------------------------------------------------------------------------
// Users (the caller's own tenant)
// ---------------------------------------------------------------------------
export const listUsers = createRoute({
  method: 'get',
  path: '/admin/users',
  tags: userTags,
  ...admin,
  summary: "Search the users of the admin's tenant",
  request: { query: UserListQuery },
  responses: { 200: jsonResponse(UserPage, 'A page of users, newest first'), ...problemResponses(400, 401, 403) },
});

export const getUser = createRoute({
  method: 'get',
  path: '/admin/users/{id}',
  tags: userTags,
  ...admin,
  summary: 'A user of the tenant',
  request: { params: UuidParam },
  responses: { 200: jsonResponse(UserSchema, 'The user'), ...problemResponses(400, 401, 403, 404) },
});

const userAction = (action: 'lock' | 'unlock' | 'suspend' | 'activate', summary: string) =>
  createRoute({
    method: 'post',
    path: `/admin/users/{id}/${action}`,
    tags: userTags,
    ...admin,
    summary,
    request: { params: UuidParam },
    responses: { 200: jsonResponse(UserSchema, 'The user afterwards'), ...problemResponses(400, 401, 403, 404, 409) },
  });

export const lockUser = userAction('lock', 'Lock the account and revoke its sessions (not yourself)');
export const unlockUser = userAction('unlock', 'Unlock the account and reset its failed login count');
export const suspendUser = userAction('suspend', 'Set status SUSPENDED and revoke its sessions (not yourself)');
export const activateUser = userAction('activate', 'Set status ACTIVE');

export const deleteUser = createRoute({
  method: 'delete',
  path: '/admin/users/{id}',
  tags: userTags,
  ...admin,
  summary: 'Soft-delete a user: deleted_at, status DELETED, sessions and API keys revoked (not yourself)',
  request: { params: UuidParam },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404, 409) },
});

export const setUserRoles = createRoute({
  method: 'put',
  path: '/admin/users/{id}/roles',
  tags: userTags,
  ...admin,
  summary: "Replace a user's roles (the tenant keeps at least one active ADMIN)",
  request: { params: UuidParam, body: jsonBody(UserRolesBody) },
  responses: {
    200: jsonResponse(UserSchema, 'The user with the new roles'),
    ...problemResponses(400, 401, 403, 404, 409, 415),
  },
});

// ---------------------------------------------------------------------------
// Users of a named tenant (platform admin; every call audited in that tenant)
// ---------------------------------------------------------------------------
const crossTags = ['Admin: users of a named tenant'];

export const listTenantUsers = createRoute({
  method: 'get',
  path: '/admin/tenants/{tenantId}/users',
  tags: crossTags,
  ...platformAdmin,
  summary: 'Search the users of a named tenant (platform admin; audited)',
  request: { params: TenantIdParam, query: UserListQuery },
  responses: { 200: jsonResponse(UserPage, 'A page of users, newest first'), ...problemResponses(400, 401, 403, 404) },
});

export const getTenantUser = createRoute({
  method: 'get',
  path: '/admin/tenants/{tenantId}/users/{id}',
  tags: crossTags,
  ...platformAdmin,
  summary: 'A user of a named tenant (platform admin; audited)',
  request: { params: TenantUserParams },
  responses: { 200: jsonResponse(UserSchema, 'The user'), ...problemResponses(400, 401, 403, 404) },
});

const tenantUserAction = (action: 'lock' | 'unlock' | 'suspend' | 'activate', summary: string) =>
  createRoute({
    method: 'post',
    path: `/admin/tenants/{tenantId}/users/{id}/${action}`,
    tags: crossTags,
    ...platformAdmin,
    summary,
    request: { params: TenantUserParams },
    responses: { 200: jsonResponse(UserSchema, 'The user afterwards'), ...problemResponses(400, 401, 403, 404, 409) },
  });

export const lockTenantUser = tenantUserAction(
  'lock',
  "Lock a named tenant's user and revoke its sessions (platform admin; audited)",
);
export const unlockTenantUser = tenantUserAction('unlock', "Unlock a named tenant's user (platform admin; audited)");
export const suspendTenantUser = tenantUserAction('suspend', "Suspend a named tenant's user (platform admin; audited)");
export const activateTenantUser = tenantUserAction(
  'activate',
  "Activate a named tenant's user (platform admin; audited)",
);

export const deleteTenantUser = createRoute({
  method: 'delete',
  path: '/admin/tenants/{tenantId}/users/{id}',
  tags: crossTags,
  ...platformAdmin,
  summary: "Soft-delete a named tenant's user (platform admin; audited)",
  request: { params: TenantUserParams },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404, 409) },
});

export const setTenantUserRoles = createRoute({
  method: 'put',
  path: '/admin/tenants/{tenantId}/users/{id}/roles',
  tags: crossTags,
  ...platformAdmin,
  summary: "Replace the roles of a named tenant's user; the tenant keeps an active ADMIN (platform admin; audited)",
  request: { params: TenantUserParams, body: jsonBody(UserRolesBody) },
  responses: {
    200: jsonResponse(UserSchema, 'The user with the new roles'),
    ...problemResponses(400, 401, 403, 404, 409, 415),
  },
});

export const inviteUser = createRoute({
  method: 'post',
  path: '/admin/tenants/{tenantId}/invitations',
  tags: crossTags,
  // The answer carries an invitation: never cached.
  ...access.userToken({ roles: ['ADMIN'], also: [noStore] }),
  summary: "Invite a user with roles into the tenant (the tenant's ADMIN: own tenant; platform admin: any, audited)",
  description:
    'Creates a pending user (a seat, the roles, no usable password) and a 7-day invitation the invitee accepts with ' +
    'their own password at POST /auth/invitations/accept: 201. A still-pending user of that email gets a fresh ' +
    'invitation instead: 200. How a platform admin gives a tenant a new ADMIN.',
  request: { params: TenantIdParam, body: jsonBody(InviteBody) },
  responses: {
    201: jsonResponse(InvitationSchema, 'Invited (the token is shown once)'),
    200: jsonResponse(InvitationSchema, 'Invited again: a fresh token for the pending user'),
    ...problemResponses(400, 401, 403, 404, 409, 415),
  },
});

export const listAudit = createRoute({
  method: 'get',
  path: '/admin/tenants/{tenantId}/audit',
  tags: tenantTags,
  ...admin,
  summary: "What platform admins did in the tenant, newest first (the tenant's ADMIN: own tenant; platform admin: any)",
  request: { params: TenantIdParam, query: AuditListQuery },
  responses: { 200: jsonResponse(AuditPage, 'A page of audit entries'), ...problemResponses(400, 401, 403, 404) },
});

// ---------------------------------------------------------------------------
// Roles and permissions (global catalogue)
// ---------------------------------------------------------------------------
export const listRoles = createRoute({
  method: 'get',
  path: '/admin/roles',
  tags: rbacTags,
  ...admin,
  summary: 'The roles, each with its permissions',
  responses: { 200: jsonResponse(RoleList, 'All roles (four, by the seed CHECK)'), ...problemResponses(401, 403) },
});

export const setRolePermissions = createRoute({
  method: 'put',
  path: '/admin/roles/{name}/permissions',
  tags: rbacTags,
  ...platformAdmin,
  summary: "Replace a role's permissions (platform admin: roles are shared by all tenants)",
  request: { params: RoleNameParam, body: jsonBody(RolePermissionsBody) },
  responses: {
    200: jsonResponse(RoleSchema, 'The role with its new permissions'),
    ...problemResponses(400, 401, 403, 404, 415),
  },
});

export const listPermissions = createRoute({
  method: 'get',
  path: '/admin/permissions',
  tags: rbacTags,
  ...admin,
  summary: 'The permissions, by name',
  request: { query: PermissionListQuery },
  responses: { 200: jsonResponse(PermissionPage, 'A page of permissions'), ...problemResponses(400, 401, 403) },
});

export const createPermission = createRoute({
  method: 'post',
  path: '/admin/permissions',
  tags: rbacTags,
  ...platformAdmin,
  summary: 'Create a permission (platform admin)',
  request: { body: jsonBody(PermissionCreateBody) },
  responses: { 201: jsonResponse(PermissionSchema, 'Created'), ...problemResponses(400, 401, 403, 409, 415) },
});
