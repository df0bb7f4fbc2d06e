import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { tenants } from '../../src/db/pg/schema/index.ts';
import type { TenantView } from '../../src/services/admin/views.ts';
import {
  api,
  apiAs,
  call,
  callAs,
  createTenant,
  fieldsOf,
  grantRole,
  jsonOf,
  platformAdmin,
  problemOf,
  registerUser,
  tenantAdmin,
  type TestUser,
} from '../fixtures/index.ts';
import { testStores } from './stores.ts';

/*
 * Raw requests (`call`, `callAs`) remain where a test walks a table of routes with one
 * request shape, or sends what the typed client cannot (bodies of wrong types, unknown
 * fields, undeclared queries); everything that reads a body goes through the typed client.
 */
const TENANTS = '/api/v1/admin/tenants';
const tenantsOf = (who: TestUser) => apiAs(who).admin.tenants;
const tenantOf = (who: TestUser) => apiAs(who).admin.tenants[':id'];

async function tenantRow(id: string) {
  const stores = testStores();
  try {
    const [row] = await stores.pg('auth').db.select().from(tenants).where(eq(tenants.id, id));
    return row;
  } finally {
    await stores.close();
  }
}

const unique = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 12)}`;

/** The first ADMIN a tenant is created with (invited). */
const firstAdmin = () => {
  const handle = `a${crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`;
  return { email: `${handle}@example.com`, username: handle };
};

async function createViaApi(admin: TestUser, body: { domain?: string; maxUsers?: number } = {}) {
  const res = await tenantsOf(admin).$post({ json: { name: unique('acme'), admin: firstAdmin(), ...body } });
  return jsonOf(res, 201);
}

/** Every tenant id of the list (all pages). */
async function listedIds(admin: TestUser, status?: 'DELETED'): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const query: { limit: string; status?: 'DELETED'; cursor?: string } = {
      limit: '100',
      ...(status ? { status } : {}),
      ...(cursor ? { cursor } : {}),
    };
    const page = await jsonOf(await tenantsOf(admin).$get({ query }), 200);
    ids.push(...page.data.map((t: TenantView) => t.id));
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return ids;
}

const loginAs = (user: TestUser) =>
  apiAs({ tenantId: user.tenantId }).auth.login.$post({
    header: {},
    json: { login: user.email, password: user.password },
  });
const refresh = (user: TestUser) => api.auth.refresh.$post({ json: { refreshToken: user.refreshToken } });

describe('admin tenants: who may call', () => {
  it('no token: 401 on every route', async () => {
    const id = crypto.randomUUID();
    for (const [method, path, body] of [
      ['GET', TENANTS],
      ['POST', TENANTS, { name: 'x' }],
      ['GET', `${TENANTS}/${id}`],
      ['PATCH', `${TENANTS}/${id}`, { name: 'x' }],
      ['DELETE', `${TENANTS}/${id}`],
    ] as [string, string, unknown?][]) {
      const res = await call(path, {
        method,
        ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
      });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });

  it('USER, SUPPORT and MANAGER tokens (even of the platform tenant): 403 on every route', async () => {
    const platform = env.PLATFORM_TENANT_ID;
    await platformAdmin(); // makes sure the platform tenant exists
    const tenantId = await createTenant();
    const callers = [
      await registerUser(tenantId),
      await grantRole(await registerUser(tenantId), 'SUPPORT'),
      await grantRole(await registerUser(tenantId), 'MANAGER'),
      await grantRole(await registerUser(platform), 'MANAGER'),
    ];
    for (const who of callers) {
      for (const [method, path, body] of [
        ['GET', TENANTS],
        ['POST', TENANTS, { name: unique('nope') }],
        ['GET', `${TENANTS}/${who.tenantId}`],
        ['PATCH', `${TENANTS}/${who.tenantId}`, { name: unique('nope') }],
        ['DELETE', `${TENANTS}/${tenantId}`],
      ] as [string, string, unknown?][]) {
        const res = await callAs(who, method, path, body);
        expect(res.status, `${method} ${path}`).toBe(403);
      }
    }
    expect((await tenantRow(tenantId))?.status).toBe('ACTIVE');
  });

  it("a platform admin's API key: 403 (keys carry no roles)", async () => {
    const admin = await platformAdmin();
    const created = await apiAs(admin).auth['api-keys'].$post({ json: { name: 'k', scopes: ['read:products'] } });
    const withKey = apiAs({ apiKey: (await jsonOf(created, 201)).key });
    expect((await withKey.admin.tenants.$get({ query: {} })).status).toBe(403);
    expect((await withKey.admin.tenants[':id'].$get({ param: { id: admin.tenantId } })).status).toBe(403);
  });
});

describe('admin tenants: a tenant admin (not platform)', () => {
  it('cannot list, create or delete tenants (403), nor see or change another tenant (404)', async () => {
    const admin = await tenantAdmin();
    const other = await createTenant();
    expect((await callAs(admin, 'GET', TENANTS)).status).toBe(403);
    expect((await callAs(admin, 'POST', TENANTS, { name: unique('mine') })).status).toBe(403);
    expect((await callAs(admin, 'DELETE', `${TENANTS}/${admin.tenantId}`)).status).toBe(403);
    expect((await callAs(admin, 'DELETE', `${TENANTS}/${other}`)).status).toBe(403);
    expect((await callAs(admin, 'GET', `${TENANTS}/${other}`)).status).toBe(404);
    expect((await callAs(admin, 'GET', `${TENANTS}/${env.PLATFORM_TENANT_ID}`)).status).toBe(404);
    const patch = await callAs(admin, 'PATCH', `${TENANTS}/${other}`, { name: unique('hijack') });
    expect(patch.status).toBe(404);
    const row = await tenantRow(other);
    expect(row?.name).not.toMatch(/^hijack/);
    expect(row?.status).toBe('ACTIVE');
  });

  it('cannot change plan, maxUsers or status of their own tenant: 403 naming each field, nothing written', async () => {
    const admin = await tenantAdmin();
    const before = await tenantRow(admin.tenantId);
    const res = await callAs(admin, 'PATCH', `${TENANTS}/${admin.tenantId}`, {
      name: unique('renamed'),
      plan: 'ENTERPRISE',
      maxUsers: 100_000,
      status: 'ACTIVE',
    });
    expect(res.status).toBe(403);
    const fields = (await fieldsOf(res)).sort();
    expect(fields).toEqual(['body.maxUsers', 'body.plan', 'body.status']);
    expect(await tenantRow(admin.tenantId)).toEqual(before);
  });

  it('reads their own tenant and changes its name and domain', async () => {
    const admin = await tenantAdmin();
    const got = await tenantOf(admin).$get({ param: { id: admin.tenantId } });
    expect(await jsonOf(got, 200)).toMatchObject({
      id: admin.tenantId,
      status: 'ACTIVE',
      plan: 'FREE',
      maxUsers: 10,
      seatsUsed: 1,
    });

    const name = unique('Renamed Shop');
    const domain = `${unique('shop')}.Example.COM`;
    const own = tenantOf(admin);
    const res = await own.$patch({ param: { id: admin.tenantId }, json: { name, domain } });
    expect(await jsonOf(res, 200)).toMatchObject({
      id: admin.tenantId,
      name,
      domain: domain.toLowerCase(),
      plan: 'FREE',
    });
    const cleared = await own.$patch({ param: { id: admin.tenantId }, json: { domain: null } });
    expect(await jsonOf(cleared, 200)).toMatchObject({ domain: null });
  });
});

describe('admin tenants: refused input', () => {
  it('bad bodies: 400 naming each field; unknown fields refused', async () => {
    const admin = await platformAdmin();
    const res = await callAs(admin, 'POST', TENANTS, {
      name: '',
      domain: 'not a host',
      plan: 'GOLD',
      maxUsers: 0,
      status: 'DELETED',
      owner: 'me',
    });
    expect(res.status).toBe(400);
    const fields = await fieldsOf(res);
    expect(fields).toEqual(
      expect.arrayContaining(['body.name', 'body.domain', 'body.plan', 'body.maxUsers', 'body.status', 'body']),
    );

    for (const [body, field] of [
      [{ maxUsers: 100_001 }, 'body.maxUsers'],
      [{ maxUsers: 2.5 }, 'body.maxUsers'],
      [{ domain: 'localhost' }, 'body.domain'],
      [{ domain: '-bad-.example.com' }, 'body.domain'],
      [{ name: 'x'.repeat(101) }, 'body.name'],
      [{}, 'body.name'],
    ] as [Record<string, unknown>, string][]) {
      const r = await callAs(admin, 'POST', TENANTS, {
        name: unique('ok'),
        ...body,
        ...(field === 'body.name' && !('name' in body) ? { name: undefined } : {}),
      });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(await fieldsOf(r), JSON.stringify(body)).toContain(field);
    }

    const empty = await callAs(admin, 'PATCH', `${TENANTS}/${admin.tenantId}`, {});
    expect(empty.status).toBe(400);
    const badId = await callAs(admin, 'PATCH', `${TENANTS}/nope`, { name: 'x' });
    expect((await problemOf(badId)).errors?.[0]?.field).toBe('param.id');
    const badStatus = await callAs(admin, 'PATCH', `${TENANTS}/${admin.tenantId}`, { status: 'GONE' });
    expect((await problemOf(badStatus)).errors?.[0]?.field).toBe('body.status');
    for (const [query, field] of [
      ['limit=0', 'query.limit'],
      ['limit=500', 'query.limit'],
      ['cursor=abc', 'query.cursor'],
      ['status=x', 'query.status'],
      ['q=x', 'query'],
    ]) {
      const r = await callAs(admin, 'GET', `${TENANTS}?${query}`);
      expect(r.status, query).toBe(400);
      expect(await fieldsOf(r), query).toContain(field);
    }
  });

  it('duplicate name (any letter case) or domain: 409 naming the field', async () => {
    const admin = await platformAdmin();
    const first = await createViaApi(admin, { domain: `${unique('dup')}.example.com` });
    const sameName = await callAs(admin, 'POST', TENANTS, { name: first.name.toUpperCase(), admin: firstAdmin() });
    expect(sameName.status).toBe(409);
    expect((await problemOf(sameName)).errors?.[0]?.field).toBe('body.name');
    const sameDomain = await callAs(admin, 'POST', TENANTS, {
      name: unique('other'),
      domain: first.domain!.toUpperCase(),
      admin: firstAdmin(),
    });
    expect(sameDomain.status).toBe(409);
    expect((await problemOf(sameDomain)).errors?.[0]?.field).toBe('body.domain');

    const second = await createViaApi(admin);
    const rename = await callAs(admin, 'PATCH', `${TENANTS}/${second.id}`, { name: first.name });
    expect(rename.status).toBe(409);
    expect((await problemOf(rename)).errors?.[0]?.field).toBe('body.name');
    // Its own current name is not a conflict.
    expect((await callAs(admin, 'PATCH', `${TENANTS}/${second.id}`, { name: second.name })).status).toBe(200);
  });

  it('lowering maxUsers below the users in use: 409; to exactly that: 200', async () => {
    const admin = await platformAdmin();
    const tenant = await createViaApi(admin, { maxUsers: 5 });
    // The invited first admin holds a seat too: 1 + 2 registered.
    for (let i = 0; i < 2; i++) await registerUser(tenant.id);
    const res = await callAs(admin, 'PATCH', `${TENANTS}/${tenant.id}`, { maxUsers: 2 });
    expect(res.status).toBe(409);
    // The problem carries an extension member beside the RFC 9457 ones.
    expect(z.object({ seatsUsed: z.number() }).parse(await res.clone().json()).seatsUsed).toBe(3);
    expect((await problemOf(res)).errors?.[0]?.field).toBe('body.maxUsers');
    const ok = await tenantOf(admin).$patch({ param: { id: tenant.id }, json: { maxUsers: 3 } });
    expect(await jsonOf(ok, 200)).toMatchObject({ maxUsers: 3, seatsUsed: 3 });
    // The seat limit now holds for registration.
    const full = await apiAs({ tenantId: tenant.id }).auth.register.$post({
      header: {},
      json: { email: `${unique('x')}@example.com`, username: unique('x'), password: 'Correct-Horse-42' },
    });
    expect(full.status).toBe(409);
  });

  it('the platform tenant cannot be suspended or deleted (409); unknown ids: 404', async () => {
    const admin = await platformAdmin();
    const platform = env.PLATFORM_TENANT_ID;
    expect((await callAs(admin, 'DELETE', `${TENANTS}/${platform}`)).status).toBe(409);
    expect((await callAs(admin, 'PATCH', `${TENANTS}/${platform}`, { status: 'SUSPENDED' })).status).toBe(409);
    expect((await tenantRow(platform))?.status).toBe('ACTIVE');
    const ghost = crypto.randomUUID();
    expect((await callAs(admin, 'GET', `${TENANTS}/${ghost}`)).status).toBe(404);
    expect((await callAs(admin, 'PATCH', `${TENANTS}/${ghost}`, { plan: 'PRO' })).status).toBe(404);
    expect((await callAs(admin, 'DELETE', `${TENANTS}/${ghost}`)).status).toBe(404);
  });
});

describe('admin tenants: platform admin CRUD', () => {
  it('creates (201, Location, defaults), reads, updates any field', async () => {
    const admin = await platformAdmin();
    const name = unique('Acme');
    const res = await tenantsOf(admin).$post({
      json: { name, domain: `${unique('acme')}.example.com`, admin: firstAdmin() },
    });
    const { firstAdmin: invited, ...created } = await jsonOf(res, 201);
    expect(res.headers.get('location')).toBe(`${TENANTS}/${created.id}`);
    expect(created).toMatchObject({ name, status: 'ACTIVE', plan: 'FREE', maxUsers: 10, seatsUsed: 1 });
    expect(invited.user).toMatchObject({ roles: ['ADMIN', 'USER'], status: 'INACTIVE' });

    const one = tenantOf(admin);
    expect(await jsonOf(await one.$get({ param: { id: created.id } }), 200)).toEqual(created);

    const patched = await one.$patch({
      param: { id: created.id },
      json: { plan: 'ENTERPRISE', maxUsers: 5000, name: `${name}-2` },
    });
    expect(await jsonOf(patched, 200)).toMatchObject({
      id: created.id,
      plan: 'ENTERPRISE',
      maxUsers: 5000,
      name: `${name}-2`,
      domain: created.domain,
    });
    expect(await tenantRow(created.id)).toMatchObject({ plan: 'ENTERPRISE', maxUsers: 5000 });
  });

  it('suspending stops logins and revokes sessions; re-activating restores logins', async () => {
    const admin = await platformAdmin();
    const tenant = await createViaApi(admin);
    const user = await registerUser(tenant.id);
    const res = await callAs(admin, 'PATCH', `${TENANTS}/${tenant.id}`, { status: 'SUSPENDED' });
    expect(res.status).toBe(200);
    expect((await loginAs(user)).status).toBe(403);
    expect((await refresh(user)).status).toBe(401);
    expect((await callAs(admin, 'PATCH', `${TENANTS}/${tenant.id}`, { status: 'ACTIVE' })).status).toBe(200);
    expect((await loginAs(user)).status).toBe(200);
  });

  it('DELETE is a soft delete: status DELETED, out of the default list, logins refused, idempotent', async () => {
    const admin = await platformAdmin();
    const tenant = await createViaApi(admin);
    const user = await registerUser(tenant.id);
    expect(await listedIds(admin)).toContain(tenant.id);

    expect((await callAs(admin, 'DELETE', `${TENANTS}/${tenant.id}`)).status).toBe(204);
    const got = await tenantOf(admin).$get({ param: { id: tenant.id } });
    expect(await jsonOf(got, 200)).toMatchObject({ id: tenant.id, status: 'DELETED' });
    expect(await listedIds(admin)).not.toContain(tenant.id);
    expect(await listedIds(admin, 'DELETED')).toContain(tenant.id);
    expect((await loginAs(user)).status).toBe(403);
    expect((await refresh(user)).status).toBe(401);
    expect((await callAs(admin, 'DELETE', `${TENANTS}/${tenant.id}`)).status).toBe(204);
  });

  it('lists newest first with a working cursor and a bounded page size', async () => {
    const admin = await platformAdmin();
    const made = [await createViaApi(admin), await createViaApi(admin), await createViaApi(admin)];
    const page1 = await jsonOf(await tenantsOf(admin).$get({ query: { limit: '2' } }), 200);
    expect(page1.data).toHaveLength(2);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const second = await tenantsOf(admin).$get({ query: { limit: '2', cursor: page1.nextCursor! } });
    const page2 = await jsonOf(second, 200);
    expect(page2.data.length).toBeGreaterThan(0);
    // Items are the service's TenantView (the route's drizzle-zod schema reaches the typed client as `any`).
    expect(page2.data.map((t: TenantView) => t.id)).not.toEqual(
      expect.arrayContaining(page1.data.map((t: TenantView) => t.id)),
    );
    expect(Date.parse(page2.data[0]!.createdAt)).toBeLessThanOrEqual(Date.parse(page1.data[1]!.createdAt));

    const all = await listedIds(admin);
    expect(new Set(all).size).toBe(all.length);
    const positions = made.map((t) => all.indexOf(t.id));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => b - a)); // newest first
  });
});
