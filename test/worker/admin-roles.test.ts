import { describe, expect, it } from 'vitest';

import { call, problemOf } from './helpers.ts';
import {
  as,
  createTenant,
  grantRole,
  login,
  platformAdmin,
  registerUser,
  tenantAdmin,
  type TestUser,
} from './identity-helpers.ts';

const ROLES = '/api/v1/admin/roles';
const PERMISSIONS = '/api/v1/admin/permissions';

interface RoleView {
  id: string;
  name: string;
  permissions: string[];
}
interface PermissionView {
  id: string;
  name: string;
  resource: string;
  action: string;
  description: string | null;
}

const permissionName = () => `test:admin-${crypto.randomUUID().slice(0, 13)}`;

async function roles(admin: TestUser): Promise<RoleView[]> {
  const res = await as(admin, 'GET', ROLES);
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: RoleView[] }).data;
}

async function allPermissions(admin: TestUser, limit = 100): Promise<PermissionView[]> {
  const out: PermissionView[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 200; i++) {
    const res = await as(
      admin,
      'GET',
      `${PERMISSIONS}?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(res.status).toBe(200);
    const page = (await res.json()) as { data: PermissionView[]; nextCursor: string | null };
    out.push(...page.data);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return out;
}

const decode = (jwt: string) =>
  JSON.parse(atob(jwt.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { roles: string[]; perms: string[] };

describe('admin roles and permissions: who may call', () => {
  const routes: [string, string, unknown?][] = [
    ['GET', ROLES],
    ['PUT', `${ROLES}/SUPPORT/permissions`, { permissions: ['read:products'] }],
    ['GET', PERMISSIONS],
    ['POST', PERMISSIONS, { name: 'read:x', resource: 'X', action: 'READ' }],
  ];

  it('no token: 401 on every route', async () => {
    for (const [method, path, body] of routes) {
      const res = await call(path, {
        method,
        ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
      });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });

  it('USER, SUPPORT and MANAGER tokens: 403 on every route', async () => {
    const tenantId = await createTenant();
    for (const who of [
      await registerUser(tenantId),
      await grantRole(await registerUser(tenantId), 'SUPPORT'),
      await grantRole(await registerUser(tenantId), 'MANAGER'),
    ]) {
      for (const [method, path, body] of routes) {
        expect((await as(who, method, path, body)).status, `${method} ${path}`).toBe(403);
      }
    }
  });

  it("an ADMIN's API key: 403", async () => {
    const admin = await tenantAdmin();
    const created = await as(admin, 'POST', '/api/v1/auth/api-keys', { name: 'k', scopes: ['read:products'] });
    const { key } = (await created.json()) as { key: string };
    expect((await call(ROLES, { headers: { 'x-api-key': key } })).status).toBe(403);
    expect((await call(PERMISSIONS, { headers: { 'x-api-key': key } })).status).toBe(403);
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
    expect((await as(admin, 'GET', PERMISSIONS)).status).toBe(200);

    const put = await as(admin, 'PUT', `${ROLES}/SUPPORT/permissions`, { permissions: [] });
    expect(put.status).toBe(403);
    const name = permissionName();
    const post = await as(admin, 'POST', PERMISSIONS, { name, resource: 'TEST', action: 'READ' });
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
    const res = await as(admin, 'PUT', `${ROLES}/SUPPORT/permissions`, {
      permissions: ['read:products', 'fly:rockets', 'read:orders'],
    });
    expect(res.status).toBe(400);
    const problem = await problemOf(res);
    expect(problem.errors).toEqual([{ field: 'body.permissions.1', message: 'unknown permission: fly:rockets' }]);
    expect(problem.detail).toContain('fly:rockets');
    expect((await roles(admin)).find((r) => r.name === 'SUPPORT')!.permissions).toEqual(before);
  });

  it('bad role names and bodies: 400 naming the field', async () => {
    const admin = await platformAdmin();
    const badRole = await as(admin, 'PUT', `${ROLES}/OWNER/permissions`, { permissions: [] });
    expect(badRole.status).toBe(400);
    expect((await problemOf(badRole)).errors?.[0]?.field).toBe('param.name');
    const badBody = await as(admin, 'PUT', `${ROLES}/SUPPORT/permissions`, { permissions: 'read:products', extra: 1 });
    expect(badBody.status).toBe(400);
    expect((await problemOf(badBody)).errors?.map((e) => e.field)).toEqual(
      expect.arrayContaining(['body.permissions', 'body']),
    );

    const badPermission = await as(admin, 'POST', PERMISSIONS, {
      name: 'no colon here',
      resource: 'R'.repeat(51),
      action: 'EXECUTE',
      scope: 'x',
    });
    expect(badPermission.status).toBe(400);
    expect((await problemOf(badPermission)).errors?.map((e) => e.field)).toEqual(
      expect.arrayContaining(['body.name', 'body.resource', 'body.action', 'body']),
    );
    const tooLong = await as(admin, 'POST', PERMISSIONS, {
      name: `read:${'x'.repeat(100)}`,
      resource: 'X',
      action: 'READ',
    });
    expect((await problemOf(tooLong)).errors?.[0]?.field).toBe('body.name');
    const missing = await as(admin, 'POST', PERMISSIONS, {});
    expect((await problemOf(missing)).errors?.map((e) => e.field)).toEqual(
      expect.arrayContaining(['body.name', 'body.resource', 'body.action']),
    );
    for (const query of ['limit=0', 'cursor=!!!', 'foo=bar']) {
      expect((await as(admin, 'GET', `${PERMISSIONS}?${query}`)).status, query).toBe(400);
    }
  });

  it('a duplicate permission name: 409 naming body.name', async () => {
    const admin = await platformAdmin();
    const res = await as(admin, 'POST', PERMISSIONS, { name: 'read:products', resource: 'PRODUCT', action: 'READ' });
    expect(res.status).toBe(409);
    expect((await problemOf(res)).errors?.[0]?.field).toBe('body.name');
  });
});

describe('admin roles and permissions: platform admin', () => {
  it('creates a permission, grants it to a role, and it reaches the next token; then restores the role', async () => {
    const admin = await platformAdmin();
    const name = permissionName();
    const created = await as(admin, 'POST', PERMISSIONS, {
      name,
      resource: 'test_report',
      action: 'READ',
      description: 'Admin test',
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      name,
      resource: 'TEST_REPORT',
      action: 'READ',
      description: 'Admin test',
    });
    expect((await allPermissions(admin)).map((p) => p.name)).toContain(name);

    // SUPPORT is changed and put back (roles are global: other tests check USER's and ADMIN's sets exactly).
    const original = (await roles(admin)).find((r) => r.name === 'SUPPORT')!.permissions;
    try {
      const res = await as(admin, 'PUT', `${ROLES}/SUPPORT/permissions`, { permissions: [...original, name, name] });
      expect(res.status).toBe(200);
      expect(((await res.json()) as RoleView).permissions).toEqual([...original, name].sort());

      const support = await grantRole(await registerUser(await createTenant()), 'SUPPORT');
      expect(decode(support.accessToken).perms).toContain(name);
      const me = await as(support, 'GET', '/api/v1/auth/me');
      expect(((await me.json()) as { permissions: string[] }).permissions).toContain(name);

      // Tenant admins see the change in the (global) catalogue.
      const tenantView = await roles(await tenantAdmin());
      expect(tenantView.find((r) => r.name === 'SUPPORT')?.permissions).toContain(name);

      // Taken away again: the next login no longer carries it.
      expect((await as(admin, 'PUT', `${ROLES}/SUPPORT/permissions`, { permissions: original })).status).toBe(200);
      const again = await login(support);
      expect(decode(again.accessToken).perms).not.toContain(name);
    } finally {
      await as(admin, 'PUT', `${ROLES}/SUPPORT/permissions`, { permissions: original });
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
