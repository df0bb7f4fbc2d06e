import type { Context } from 'hono';

import { createRouter } from '../../lib/create-router.ts';
import type { AppEnv } from '../../lib/types.ts';
import { ctxOf } from '../../middleware/tenant.ts';
import * as admin from '../../services/admin/index.ts';
import type { PublicUser } from '../../services/auth/index.ts';
import { closeUserFeed } from '../../services/notifications/index.ts';
import * as routes from './admin.routes.ts';

/** What locking or suspending does besides the account: the user's open live feeds close. */
const FEED_CLOSED_BY = { lock: 'account locked', suspend: 'account suspended' } as const;

/**
 * Lock, unlock, suspend or activate a user of the caller's tenant, or of `tenantId` named in the
 * path (platform admins; the service records it in that tenant's audit log).
 */
async function userAction(
  c: Context<AppEnv>,
  action: 'lock' | 'unlock' | 'suspend' | 'activate',
  id: string,
  tenantId?: string,
): Promise<PublicUser> {
  const user = (await admin.applyUserAction(ctxOf(c), { id, action, tenantId }))!;
  if (action === 'lock' || action === 'suspend') {
    await closeUserFeed(ctxOf(c), { tenantId: user.tenantId, userId: user.id, reason: FEED_CLOSED_BY[action] });
  }
  return user;
}

/** /admin/*: thin handlers; authorization rules live in the route middleware and the services. */
export const adminRoutes = createRouter()
  // Tenants
  .openapi(routes.listTenants, async (c) => {
    return c.json(await admin.listTenants(ctxOf(c), c.req.valid('query')), 200);
  })
  .openapi(routes.createTenant, async (c) => {
    const tenant = await admin.createTenant(ctxOf(c), c.req.valid('json'));
    c.header('location', `${new URL(c.req.url).pathname}/${tenant.id}`);
    return c.json(tenant, 201);
  })
  .openapi(routes.getTenant, async (c) => {
    return c.json(await admin.getTenant(ctxOf(c), c.req.valid('param')), 200);
  })
  .openapi(routes.updateTenant, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await admin.updateTenant(ctxOf(c), { id, patch: c.req.valid('json') }), 200);
  })
  .openapi(routes.deleteTenant, async (c) => {
    await admin.deleteTenant(ctxOf(c), c.req.valid('param'));
    return c.body(null, 204);
  })
  // Users
  .openapi(routes.listUsers, async (c) => {
    return c.json(await admin.listUsers(ctxOf(c), { query: c.req.valid('query') }), 200);
  })
  .openapi(routes.getUser, async (c) => {
    return c.json(await admin.getUser(ctxOf(c), c.req.valid('param')), 200);
  })
  .openapi(routes.lockUser, async (c) => c.json(await userAction(c, 'lock', c.req.valid('param').id), 200))
  .openapi(routes.unlockUser, async (c) => c.json(await userAction(c, 'unlock', c.req.valid('param').id), 200))
  .openapi(routes.suspendUser, async (c) => c.json(await userAction(c, 'suspend', c.req.valid('param').id), 200))
  .openapi(routes.activateUser, async (c) => c.json(await userAction(c, 'activate', c.req.valid('param').id), 200))
  .openapi(routes.deleteUser, async (c) => {
    await admin.applyUserAction(ctxOf(c), { id: c.req.valid('param').id, action: 'delete' });
    return c.body(null, 204);
  })
  .openapi(routes.setUserRoles, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await admin.setUserRoles(ctxOf(c), { id, roles: c.req.valid('json').roles }), 200);
  })
  // Users of a named tenant (platform admin, audited)
  .openapi(routes.listTenantUsers, async (c) => {
    const { tenantId } = c.req.valid('param');
    return c.json(await admin.listUsers(ctxOf(c), { query: c.req.valid('query'), tenantId }), 200);
  })
  .openapi(routes.getTenantUser, async (c) => {
    return c.json(await admin.getUser(ctxOf(c), c.req.valid('param')), 200);
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
    await admin.applyUserAction(ctxOf(c), { ...c.req.valid('param'), action: 'delete' });
    return c.body(null, 204);
  })
  .openapi(routes.setTenantUserRoles, async (c) => {
    const { tenantId, id } = c.req.valid('param');
    return c.json(await admin.setUserRoles(ctxOf(c), { id, roles: c.req.valid('json').roles, tenantId }), 200);
  })
  .openapi(routes.inviteUser, async (c) => {
    const { tenantId } = c.req.valid('param');
    const { created, ...invitation } = await admin.inviteTenantUser(ctxOf(c), {
      tenantId,
      invitee: c.req.valid('json'),
    });
    return c.json(invitation, created ? 201 : 200);
  })
  .openapi(routes.listAudit, async (c) => {
    const { tenantId } = c.req.valid('param');
    return c.json(await admin.listAudit(ctxOf(c), { tenantId, query: c.req.valid('query') }), 200);
  })
  // Roles and permissions
  .openapi(routes.listRoles, async (c) => {
    return c.json({ data: await admin.listRoles(ctxOf(c)), nextCursor: null }, 200);
  })
  .openapi(routes.setRolePermissions, async (c) => {
    const { name } = c.req.valid('param');
    return c.json(
      await admin.setRolePermissions(ctxOf(c), { name, permissions: c.req.valid('json').permissions }),
      200,
    );
  })
  .openapi(routes.listPermissions, async (c) => {
    return c.json(await admin.listPermissions(ctxOf(c), c.req.valid('query')), 200);
  })
  .openapi(routes.createPermission, async (c) => {
    return c.json(await admin.createPermission(ctxOf(c), c.req.valid('json')), 201);
  });
