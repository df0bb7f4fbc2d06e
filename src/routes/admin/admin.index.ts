import type { Context } from 'hono';

import { authConfig } from '../../lib/config.ts';
import { createRouter } from '../../lib/create-router.ts';
import type { AppEnv } from '../../lib/types.ts';
import { principalOf } from '../../middleware/auth.ts';
import { ctxOf } from '../../middleware/tenant.ts';
import * as admin from '../../services/admin/index.ts';
import type { PublicUser } from '../../services/auth/index.ts';
import { closeUserFeed } from '../../services/notifications/index.ts';
import * as routes from './admin.routes.ts';

/**
 * The named tenant of `/admin/tenants/{tenantId}/users/...`. Each such call is
 * recorded in that tenant's admin_audit_log by the service (with the work, in one
 * transaction) and logged here with its outcome, failures included.
 */
function crossTenant(c: Context<AppEnv>, tenantId: string): admin.CrossTenant {
  const principal = principalOf(c);
  c.get('logger').info('audit: platform admin acts on a named tenant', {
    audit: true,
    actorUserId: principal.userId,
    actorTenantId: principal.tenantId,
    tenantId,
    method: c.req.method,
    path: c.req.path,
  });
  return { tenantId, requestId: c.get('requestId'), platformTenantId: authConfig(c.env).platformTenantId };
}

/** What locking or suspending does besides the account: the user's open live feeds close. */
const FEED_CLOSED_BY = { lock: 'account locked', suspend: 'account suspended' } as const;

/** Lock, unlock, suspend or activate a user of the caller's tenant, or of `tenantId` named in the path. */
async function userAction(
  c: Context<AppEnv>,
  action: 'lock' | 'unlock' | 'suspend' | 'activate',
  id: string,
  tenantId?: string,
): Promise<PublicUser> {
  const on = tenantId === undefined ? undefined : crossTenant(c, tenantId);
  const user = (await admin.applyUserAction(c.get('stores').pg('auth').db, principalOf(c), id, action, on))!;
  if (action === 'lock' || action === 'suspend') {
    await closeUserFeed(ctxOf(c), { tenantId: user.tenantId, userId: user.id, reason: FEED_CLOSED_BY[action] });
  }
  return user;
}

/** /admin/*: thin handlers; authorization rules live in the route middleware and the services. */
export const adminRoutes = createRouter()
  // Tenants
  .openapi(routes.listTenants, async (c) => {
    const page = await admin.listTenants(c.env, c.get('stores').pg('auth').db, principalOf(c), c.req.valid('query'));
    return c.json(page, 200);
  })
  .openapi(routes.createTenant, async (c) => {
    const tenant = await admin.createTenant(
      c.env,
      c.get('stores').pg('auth').db,
      principalOf(c),
      c.req.valid('json'),
      c.get('requestId'),
    );
    c.header('location', `${new URL(c.req.url).pathname}/${tenant.id}`);
    return c.json(tenant, 201);
  })
  .openapi(routes.getTenant, async (c) => {
    const tenant = await admin.getTenant(c.env, c.get('stores').pg('auth').db, principalOf(c), c.req.valid('param').id);
    return c.json(tenant, 200);
  })
  .openapi(routes.updateTenant, async (c) => {
    const tenant = await admin.updateTenant(
      c.env,
      c.get('stores').pg('auth').db,
      principalOf(c),
      c.req.valid('param').id,
      c.req.valid('json'),
    );
    return c.json(tenant, 200);
  })
  .openapi(routes.deleteTenant, async (c) => {
    await admin.deleteTenant(c.env, c.get('stores').pg('auth').db, principalOf(c), c.req.valid('param').id);
    return c.body(null, 204);
  })
  // Users
  .openapi(routes.listUsers, async (c) => {
    return c.json(await admin.listUsers(c.get('stores').pg('auth').db, principalOf(c), c.req.valid('query')), 200);
  })
  .openapi(routes.getUser, async (c) => {
    return c.json(await admin.getUser(c.get('stores').pg('auth').db, principalOf(c), c.req.valid('param').id), 200);
  })
  .openapi(routes.lockUser, async (c) => c.json(await userAction(c, 'lock', c.req.valid('param').id), 200))
  .openapi(routes.unlockUser, async (c) => c.json(await userAction(c, 'unlock', c.req.valid('param').id), 200))
  .openapi(routes.suspendUser, async (c) => c.json(await userAction(c, 'suspend', c.req.valid('param').id), 200))
  .openapi(routes.activateUser, async (c) => c.json(await userAction(c, 'activate', c.req.valid('param').id), 200))
  .openapi(routes.deleteUser, async (c) => {
    await admin.applyUserAction(c.get('stores').pg('auth').db, principalOf(c), c.req.valid('param').id, 'delete');
    return c.body(null, 204);
  })
  .openapi(routes.setUserRoles, async (c) => {
    const user = await admin.setUserRoles(
      c.get('stores').pg('auth').db,
      principalOf(c),
      c.req.valid('param').id,
      c.req.valid('json').roles,
    );
    return c.json(user, 200);
  })
  // Users of a named tenant (platform admin, audited)
  .openapi(routes.listTenantUsers, async (c) => {
    const { tenantId } = c.req.valid('param');
    return c.json(
      await admin.listUsers(
        c.get('stores').pg('auth').db,
        principalOf(c),
        c.req.valid('query'),
        crossTenant(c, tenantId),
      ),
      200,
    );
  })
  .openapi(routes.getTenantUser, async (c) => {
    const { tenantId, id } = c.req.valid('param');
    return c.json(
      await admin.getUser(c.get('stores').pg('auth').db, principalOf(c), id, crossTenant(c, tenantId)),
      200,
    );
  })
  .openapi(routes.lockTenantUser, async (c) => {
    const { tenantId, id } = c.req.valid('param');
    return c.json(await userAction(c, 'lock', id, tenantId), 200);
  })
  .openapi(routes.unlockTenantUser, async (c) => {
    const { tenantId, id } = c.req.valid('param');
    return c.json(await userAction(c, 'unlock', id, tenantId), 200);
  })
  .openapi(routes.suspendTenantUser, async (c) => {
    const { tenantId, id } = c.req.valid('param');
    return c.json(await userAction(c, 'suspend', id, tenantId), 200);
  })
  .openapi(routes.activateTenantUser, async (c) => {
    const { tenantId, id } = c.req.valid('param');
    return c.json(await userAction(c, 'activate', id, tenantId), 200);
  })
  .openapi(routes.deleteTenantUser, async (c) => {
    const { tenantId, id } = c.req.valid('param');
    await admin.applyUserAction(c.get('stores').pg('auth').db, principalOf(c), id, 'delete', crossTenant(c, tenantId));
    return c.body(null, 204);
  })
  .openapi(routes.setTenantUserRoles, async (c) => {
    const { tenantId, id } = c.req.valid('param');
    const user = await admin.setUserRoles(
      c.get('stores').pg('auth').db,
      principalOf(c),
      id,
      c.req.valid('json').roles,
      crossTenant(c, tenantId),
    );
    return c.json(user, 200);
  })
  .openapi(routes.inviteUser, async (c) => {
    const { tenantId } = c.req.valid('param');
    const principal = principalOf(c);
    const on = tenantId === principal.tenantId ? undefined : crossTenant(c, tenantId);
    const { created, ...invitation } = await admin.inviteTenantUser(
      c.get('stores').pg('auth').db,
      c.env,
      principal,
      c.req.valid('json'),
      on,
    );
    return c.json(invitation, created ? 201 : 200);
  })
  .openapi(routes.listAudit, async (c) => {
    const page = await admin.listAudit(
      c.env,
      c.get('stores').pg('auth').db,
      principalOf(c),
      c.req.valid('param').tenantId,
      c.req.valid('query'),
      c.get('requestId'),
    );
    return c.json(page, 200);
  })
  // Roles and permissions
  .openapi(routes.listRoles, async (c) => {
    return c.json(
      { data: await admin.listRoles(c.get('stores').pg('auth').db, principalOf(c)), nextCursor: null },
      200,
    );
  })
  .openapi(routes.setRolePermissions, async (c) => {
    const role = await admin.setRolePermissions(
      c.env,
      c.get('stores').pg('auth').db,
      principalOf(c),
      c.req.valid('param').name,
      c.req.valid('json').permissions,
    );
    return c.json(role, 200);
  })
  .openapi(routes.listPermissions, async (c) => {
    return c.json(
      await admin.listPermissions(c.get('stores').pg('auth').db, principalOf(c), c.req.valid('query')),
      200,
    );
  })
  .openapi(routes.createPermission, async (c) => {
    const permission = await admin.createPermission(
      c.env,
      c.get('stores').pg('auth').db,
      principalOf(c),
      c.req.valid('json'),
    );
    return c.json(permission, 201);
  });
