import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import type { PermissionView, RoleView } from '../../src/services/admin/views.ts';
import {
  api,
  apiAs,
  callAs,
  createTenant,
  fieldsOf,
  grantRole,
  jsonOf,
  login,
  platformAdmin,
  problemOf,
  registerUser,
  tenantAdmin,
  type TestUser,
} from '../fixtures/index.ts';

const ROLES = '/api/v1/admin/roles';
const PERMISSIONS = '/api/v1/admin/permissions';

const permissionName = () => `test:admin-${crypto.randomUUID().slice(0, 13)}`;

const adminApi = (who: TestUser) => apiAs(who).admin;
const setSupport = (who: TestUser, permissions: string[]) =>
  adminApi(who).roles[':name'].permissions.$put({ param: { name: 'SUPPORT' }, json: { permissions } });

/** The route's answer as the service builds it (its drizzle-zod response schema reaches the typed client as `any`). */
async function roles(who: TestUser): Promise<RoleView[]> {
  return (await jsonOf(await adminApi(who).roles.$get(), 200)).data;
}

async function allPermissions(who: TestUser, limit = 100): Promise<PermissionView[]> {
  const out: PermissionView[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 200; i++) {
    const query: { limit: string; cursor?: string } = { limit: String(limit), ...(cursor ? { cursor } : {}) };
    const page = await jsonOf(await adminApi(who).permissions.$get({ query }), 200);
    out.push(...page.data);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return out;
}

const Claims = z.object({ roles: z.array(z.string()), perms: z.array(z.string()) });
const decode = (jwt: string) =>
  Claims.parse(JSON.parse(atob(jwt.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))));

describe('admin roles and permissions: who may call', () => {
  const routes: [string, (client: typeof api) => Promise<{ status: number }>][] = [
    ['GET roles', (c) => c.admin.roles.$get()],
    [
      'PUT roles/SUPPORT/permissions',
      (c) =>
        c.admin.roles[':name'].permissions.$put({
          param: { name: 'SUPPORT' },
          json: { permissions: ['read:products'] },
        }),
    ],
    ['GET permissions', (c) => c.admin.permissions.$get({ query: {} })],
    ['POST permissions', (c) => c.admin.permissions.$post({ json: { name: 'read:x', resource: 'X', action: 'READ' } })],
  ];

  it('no token: 401 on every route', async () => {
    for (const [route, send] of routes) expect((await send(api)).status, route).toBe(401);
  });

  it('USER, SUPPORT and MANAGER tokens: 403 on every route', async () => {
    const tenantId = await createTenant();
    for (const who of [
      await registerUser(tenantId),
      await grantRole(await registerUser(tenantId), 'SUPPORT'),
      await grantRole(await registerUser(tenantId), 'MANAGER'),
    ]) {
      for (const [route, send] of routes) expect((await send(apiAs(who))).status, route).toBe(403);
    }
  });

  it("an ADMIN's API key: 403", async () => {
    const owner = await tenantAdmin();
    const created = await apiAs(owner).auth['api-keys'].$post({ json: { name: 'k', scopes: ['read:products'] } });
    const withKey = apiAs({ apiKey: (await jsonOf(created, 201)).key });
    expect((await withKey.admin.roles.$get()).status).toBe(403);
    expect((await withKey.admin.permissions.$get({ query: {} })).status).toBe(403);
  });

  it('a tenant admin may read the global catalogue but not change it (403, nothing written)', async () => {
    const admin = await tenantAdmin();
    const before = await roles(admin);
    expect(before.map((r) => r.name)).toEqual(['ADMIN', 'MANAGER', 'SUPPORT', 'USER']);
    expect(before.find((r) => r.name === 'USER')?.permissions).toEqual([
      'read:orders',
      'read:products',
      'read:profile',
      'write:orders',
      'write:profile',
      'write:reviews',
    ]);
    expect((await adminApi(admin).permissions.$get({ query: {} })).status).toBe(200);

    const put = await setSupport(admin, []);
    expect(put.status).toBe(403);
    const name = permissionName();
    const post = await adminApi(admin).permissions.$post({ json: { name, resource: 'TEST', action: 'READ' } });
    expect(post.status).toBe(403);
    expect((await roles(admin)).find((r) => r.name === 'SUPPORT')?.permissions).toEqual(
      before.find((r) => r.name === 'SUPPORT')?.permissions,
    );
    expect((await allPermissions(admin)).map((p) => p.name)).not.toContain(name);
  });
});

describe('admin roles and permissions: refused input', () => {
  it('an unknown permission in a role update: 400 naming it, nothing changed', async () => {
    const admin = await platformAdmin();
    const before = (await roles(admin)).find((r) => r.name === 'SUPPORT')!.permissions;
    const res = await setSupport(admin, ['read:products', 'fly:rockets', 'read:orders']);
    expect(res.status).toBe(400);
    const problem = await problemOf(res);
    expect(problem.errors).toEqual([{ field: 'body.permissions.1', message: 'unknown permission: fly:rockets' }]);
    expect(problem.detail).toContain('fly:rockets');
    expect((await roles(admin)).find((r) => r.name === 'SUPPORT')!.permissions).toEqual(before);
  });

  it('bad role names and bodies: 400 naming the field', async () => {
    // Raw: a role outside the enumeration, bodies of the wrong types, an undeclared query.
    const admin = await platformAdmin();
    const badRole = await callAs(admin, 'PUT', `${ROLES}/OWNER/permissions`, { permissions: [] });
    expect(badRole.status).toBe(400);
    expect((await problemOf(badRole)).errors?.[0]?.field).toBe('param.name');
    const badBody = await callAs(admin, 'PUT', `${ROLES}/SUPPORT/permissions`, {
      permissions: 'read:products',
      extra: 1,
    });
    expect(badBody.status).toBe(400);
    expect(await fieldsOf(badBody)).toEqual(expect.arrayContaining(['body.permissions', 'body']));

    const badPermission = await callAs(admin, 'POST', PERMISSIONS, {
      name: 'no colon here',
      resource: 'R'.repeat(51),
      action: 'EXECUTE',
      scope: 'x',
    });
    expect(badPermission.status).toBe(400);
    expect(await fieldsOf(badPermission)).toEqual(
      expect.arrayContaining(['body.name', 'body.resource', 'body.action', 'body']),
    );
    const tooLong = await adminApi(admin).permissions.$post({
      json: { name: `read:${'x'.repeat(100)}`, resource: 'X', action: 'READ' },
    });
    expect((await problemOf(tooLong)).errors?.[0]?.field).toBe('body.name');
    const missing = await callAs(admin, 'POST', PERMISSIONS, {});
    expect(await fieldsOf(missing)).toEqual(expect.arrayContaining(['body.name', 'body.resource', 'body.action']));
    for (const query of ['limit=0', 'cursor=!!!', 'foo=bar']) {
      expect((await callAs(admin, 'GET', `${PERMISSIONS}?${query}`)).status, query).toBe(400);
    }
  });

  it('a duplicate permission name: 409 naming body.name', async () => {
    const admin = await platformAdmin();
    const res = await adminApi(admin).permissions.$post({
      json: { name: 'read:products', resource: 'PRODUCT', action: 'READ' },
    });
    expect(res.status).toBe(409);
    expect((await problemOf(res)).errors?.[0]?.field).toBe('body.name');
  });
});

describe('admin roles and permissions: platform admin', () => {
  it('creates a permission, grants it to a role, and it reaches the next token; then restores the role', async () => {
    const admin = await platformAdmin();
    const name = permissionName();
    const created = await adminApi(admin).permissions.$post({
      json: { name, resource: 'test_report', action: 'READ', description: 'Admin test' },
    });
    expect(await jsonOf(created, 201)).toMatchObject({
      name,
      resource: 'TEST_REPORT',
      action: 'READ',
      description: 'Admin test',
    });
    expect((await allPermissions(admin)).map((p) => p.name)).toContain(name);

    // SUPPORT is changed and put back (roles are global: other tests check USER's and ADMIN's sets exactly).
    const original = (await roles(admin)).find((r) => r.name === 'SUPPORT')!.permissions;
    try {
      const res = await setSupport(admin, [...original, name, name]);
      expect((await jsonOf(res, 200)).permissions).toEqual([...original, name].sort());

      const support = await grantRole(await registerUser(await createTenant()), 'SUPPORT');
      expect(decode(support.accessToken).perms).toContain(name);
      const me = await jsonOf(await apiAs(support).auth.me.$get(), 200);
      expect(me.permissions).toContain(name);

      // Tenant admins see the change in the (global) catalogue.
      const tenantView = await roles(await tenantAdmin());
      expect(tenantView.find((r) => r.name === 'SUPPORT')?.permissions).toContain(name);

      // Taken away again: the next login no longer carries it.
      expect((await setSupport(admin, original)).status).toBe(200);
      const again = await login(support);
      expect(decode(again.accessToken).perms).not.toContain(name);
    } finally {
      await setSupport(admin, original);
    }
    expect((await roles(admin)).find((r) => r.name === 'SUPPORT')!.permissions).toEqual(original);
  });

  it('permissions are listed by name with a working cursor', async () => {
    const admin = await platformAdmin();
    const paged = await allPermissions(admin, 2);
    const names = paged.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining(['delete:products', 'read:orders', 'read:products', 'write:orders', 'write:products']),
    );
    const sorted = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(names).toEqual(sorted);
  });
});
