import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';

import { tenants } from '../../src/db/pg/schema/index.ts';
import { call, postJson, problemOf } from './helpers.ts';
import {
  as,
  createTenant,
  grantRole,
  platformAdmin,
  registerUser,
  tenantAdmin,
  type TestUser,
} from './identity-helpers.ts';
import { testStores } from './stores.ts';

const TENANTS = '/api/v1/admin/tenants';

interface TenantView {
  id: string;
  name: string;
  domain: string | null;
  status: string;
  plan: string;
  maxUsers: number;
  seatsUsed?: number;
  createdAt: string;
}
interface TenantPage {
  data: TenantView[];
  nextCursor: string | null;
}

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

async function createViaApi(admin: TestUser, body: Record<string, unknown> = {}): Promise<TenantView> {
  const res = await as(admin, 'POST', TENANTS, { name: unique('acme'), admin: firstAdmin(), ...body });
  expect(res.status).toBe(201);
  return (await res.json()) as TenantView;
}

/** Every tenant id of the list (all pages). */
async function listedIds(admin: TestUser, query = ''): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const res = await as(
      admin,
      'GET',
      `${TENANTS}?limit=100${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(res.status).toBe(200);
    const page = (await res.json()) as TenantPage;
    ids.push(...page.data.map((t) => t.id));
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return ids;
}

const loginAs = (user: TestUser) =>
  postJson('/api/v1/auth/login', { login: user.email, password: user.password }, { 'x-tenant-id': user.tenantId });

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
        const res = await as(who, method, path, body);
        expect(res.status, `${method} ${path}`).toBe(403);
      }
    }
    expect((await tenantRow(tenantId))?.status).toBe('ACTIVE');
  });

  it("a platform admin's API key: 403 (keys carry no roles)", async () => {
    const admin = await platformAdmin();
    const created = await as(admin, 'POST', '/api/v1/auth/api-keys', { name: 'k', scopes: ['read:products'] });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    expect((await call(TENANTS, { headers: { 'x-api-key': key } })).status).toBe(403);
    expect((await call(`${TENANTS}/${admin.tenantId}`, { headers: { 'x-api-key': key } })).status).toBe(403);
  });
});

describe('admin tenants: a tenant admin (not platform)', () => {
  it('cannot list, create or delete tenants (403), nor see or change another tenant (404)', async () => {
    const admin = await tenantAdmin();
    const other = await createTenant();
    expect((await as(admin, 'GET', TENANTS)).status).toBe(403);
    expect((await as(admin, 'POST', TENANTS, { name: unique('mine') })).status).toBe(403);
    expect((await as(admin, 'DELETE', `${TENANTS}/${admin.tenantId}`)).status).toBe(403);
    expect((await as(admin, 'DELETE', `${TENANTS}/${other}`)).status).toBe(403);
    expect((await as(admin, 'GET', `${TENANTS}/${other}`)).status).toBe(404);
    expect((await as(admin, 'GET', `${TENANTS}/${env.PLATFORM_TENANT_ID}`)).status).toBe(404);
    const patch = await as(admin, 'PATCH', `${TENANTS}/${other}`, { name: unique('hijack') });
    expect(patch.status).toBe(404);
    const row = await tenantRow(other);
    expect(row?.name).not.toMatch(/^hijack/);
    expect(row?.status).toBe('ACTIVE');
  });

  it('cannot change plan, maxUsers or status of their own tenant: 403 naming each field, nothing written', async () => {
    const admin = await tenantAdmin();
    const before = await tenantRow(admin.tenantId);
    const res = await as(admin, 'PATCH', `${TENANTS}/${admin.tenantId}`, {
      name: unique('renamed'),
      plan: 'ENTERPRISE',
      maxUsers: 100_000,
      status: 'ACTIVE',
    });
    expect(res.status).toBe(403);
    const fields = (await problemOf(res)).errors?.map((e) => e.field).sort();
    expect(fields).toEqual(['body.maxUsers', 'body.plan', 'body.status']);
    expect(await tenantRow(admin.tenantId)).toEqual(before);
  });

  it('reads their own tenant and changes its name and domain', async () => {
    const admin = await tenantAdmin();
    const got = await as(admin, 'GET', `${TENANTS}/${admin.tenantId}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({
      id: admin.tenantId,
      status: 'ACTIVE',
      plan: 'FREE',
      maxUsers: 10,
      seatsUsed: 1,
    });

    const name = unique('Renamed Shop');
    const domain = `${unique('shop')}.Example.COM`;
    const res = await as(admin, 'PATCH', `${TENANTS}/${admin.tenantId}`, { name, domain });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: admin.tenantId, name, domain: domain.toLowerCase(), plan: 'FREE' });
    const cleared = await as(admin, 'PATCH', `${TENANTS}/${admin.tenantId}`, { domain: null });
    expect(await cleared.json()).toMatchObject({ domain: null });
  });
});

describe('admin tenants: refused input', () => {
  it('bad bodies: 400 naming each field; unknown fields refused', async () => {
    const admin = await platformAdmin();
    const res = await as(admin, 'POST', TENANTS, {
      name: '',
      domain: 'not a host',
      plan: 'GOLD',
      maxUsers: 0,
      status: 'DELETED',
      owner: 'me',
    });
    expect(res.status).toBe(400);
    const fields = (await problemOf(res)).errors?.map((e) => e.field);
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
      const r = await as(admin, 'POST', TENANTS, {
        name: unique('ok'),
        ...body,
        ...(field === 'body.name' && !('name' in body) ? { name: undefined } : {}),
      });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(
        (await problemOf(r)).errors?.map((e) => e.field),
        JSON.stringify(body),
      ).toContain(field);
    }

    const empty = await as(admin, 'PATCH', `${TENANTS}/${admin.tenantId}`, {});
    expect(empty.status).toBe(400);
    const badId = await as(admin, 'PATCH', `${TENANTS}/nope`, { name: 'x' });
    expect((await problemOf(badId)).errors?.[0]?.field).toBe('param.id');
    const badStatus = await as(admin, 'PATCH', `${TENANTS}/${admin.tenantId}`, { status: 'GONE' });
    expect((await problemOf(badStatus)).errors?.[0]?.field).toBe('body.status');
    for (const [query, field] of [
      ['limit=0', 'query.limit'],
      ['limit=500', 'query.limit'],
      ['cursor=abc', 'query.cursor'],
      ['status=x', 'query.status'],
      ['q=x', 'query'],
    ]) {
      const r = await as(admin, 'GET', `${TENANTS}?${query}`);
      expect(r.status, query).toBe(400);
      expect(
        (await problemOf(r)).errors?.map((e) => e.field),
        query,
      ).toContain(field);
    }
  });

  it('duplicate name (any letter case) or domain: 409 naming the field', async () => {
    const admin = await platformAdmin();
    const first = await createViaApi(admin, { domain: `${unique('dup')}.example.com` });
    const sameName = await as(admin, 'POST', TENANTS, { name: first.name.toUpperCase(), admin: firstAdmin() });
    expect(sameName.status).toBe(409);
    expect((await problemOf(sameName)).errors?.[0]?.field).toBe('body.name');
    const sameDomain = await as(admin, 'POST', TENANTS, {
      name: unique('other'),
      domain: first.domain!.toUpperCase(),
      admin: firstAdmin(),
    });
    expect(sameDomain.status).toBe(409);
    expect((await problemOf(sameDomain)).errors?.[0]?.field).toBe('body.domain');

    const second = await createViaApi(admin);
    const rename = await as(admin, 'PATCH', `${TENANTS}/${second.id}`, { name: first.name });
    expect(rename.status).toBe(409);
    expect((await problemOf(rename)).errors?.[0]?.field).toBe('body.name');
    // Its own current name is not a conflict.
    expect((await as(admin, 'PATCH', `${TENANTS}/${second.id}`, { name: second.name })).status).toBe(200);
  });

  it('lowering maxUsers below the users in use: 409; to exactly that: 200', async () => {
    const admin = await platformAdmin();
    const tenant = await createViaApi(admin, { maxUsers: 5 });
    // The invited first admin holds a seat too: 1 + 2 registered.
    for (let i = 0; i < 2; i++) await registerUser(tenant.id);
    const res = await as(admin, 'PATCH', `${TENANTS}/${tenant.id}`, { maxUsers: 2 });
    expect(res.status).toBe(409);
    const problem = await problemOf(res);
    expect(problem.errors?.[0]?.field).toBe('body.maxUsers');
    expect((problem as unknown as { seatsUsed: number }).seatsUsed).toBe(3);
    const ok = await as(admin, 'PATCH', `${TENANTS}/${tenant.id}`, { maxUsers: 3 });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ maxUsers: 3, seatsUsed: 3 });
    // The seat limit now holds for registration.
    const full = await postJson(
      '/api/v1/auth/register',
      { email: `${unique('x')}@example.com`, username: unique('x'), password: 'Correct-Horse-42' },
      { 'x-tenant-id': tenant.id },
    );
    expect(full.status).toBe(409);
  });

  it('the platform tenant cannot be suspended or deleted (409); unknown ids: 404', async () => {
    const admin = await platformAdmin();
    const platform = env.PLATFORM_TENANT_ID;
    expect((await as(admin, 'DELETE', `${TENANTS}/${platform}`)).status).toBe(409);
    expect((await as(admin, 'PATCH', `${TENANTS}/${platform}`, { status: 'SUSPENDED' })).status).toBe(409);
    expect((await tenantRow(platform))?.status).toBe('ACTIVE');
    const ghost = crypto.randomUUID();
    expect((await as(admin, 'GET', `${TENANTS}/${ghost}`)).status).toBe(404);
    expect((await as(admin, 'PATCH', `${TENANTS}/${ghost}`, { plan: 'PRO' })).status).toBe(404);
    expect((await as(admin, 'DELETE', `${TENANTS}/${ghost}`)).status).toBe(404);
  });
});

describe('admin tenants: platform admin CRUD', () => {
  it('creates (201, Location, defaults), reads, updates any field', async () => {
    const admin = await platformAdmin();
    const name = unique('Acme');
    const res = await as(admin, 'POST', TENANTS, {
      name,
      domain: `${unique('acme')}.example.com`,
      admin: firstAdmin(),
    });
    expect(res.status).toBe(201);
    const { firstAdmin: invited, ...created } = (await res.json()) as TenantView & {
      firstAdmin: { user: { roles: string[]; status: string } };
    };
    expect(res.headers.get('location')).toBe(`${TENANTS}/${created.id}`);
    expect(created).toMatchObject({ name, status: 'ACTIVE', plan: 'FREE', maxUsers: 10, seatsUsed: 1 });
    expect(invited.user).toMatchObject({ roles: ['ADMIN', 'USER'], status: 'INACTIVE' });

    const got = await as(admin, 'GET', `${TENANTS}/${created.id}`);
    expect(await got.json()).toEqual(created);

    const patched = await as(admin, 'PATCH', `${TENANTS}/${created.id}`, {
      plan: 'ENTERPRISE',
      maxUsers: 5000,
      name: `${name}-2`,
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({
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
    const res = await as(admin, 'PATCH', `${TENANTS}/${tenant.id}`, { status: 'SUSPENDED' });
    expect(res.status).toBe(200);
    expect((await loginAs(user)).status).toBe(403);
    expect((await postJson('/api/v1/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);
    expect((await as(admin, 'PATCH', `${TENANTS}/${tenant.id}`, { status: 'ACTIVE' })).status).toBe(200);
    expect((await loginAs(user)).status).toBe(200);
  });

  it('DELETE is a soft delete: status DELETED, out of the default list, logins refused, idempotent', async () => {
    const admin = await platformAdmin();
    const tenant = await createViaApi(admin);
    const user = await registerUser(tenant.id);
    expect(await listedIds(admin)).toContain(tenant.id);

    expect((await as(admin, 'DELETE', `${TENANTS}/${tenant.id}`)).status).toBe(204);
    const got = await as(admin, 'GET', `${TENANTS}/${tenant.id}`);
    expect(await got.json()).toMatchObject({ id: tenant.id, status: 'DELETED' });
    expect(await listedIds(admin)).not.toContain(tenant.id);
    expect(await listedIds(admin, '&status=DELETED')).toContain(tenant.id);
    expect((await loginAs(user)).status).toBe(403);
    expect((await postJson('/api/v1/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);
    expect((await as(admin, 'DELETE', `${TENANTS}/${tenant.id}`)).status).toBe(204);
  });

  it('lists newest first with a working cursor and a bounded page size', async () => {
    const admin = await platformAdmin();
    const made = [await createViaApi(admin), await createViaApi(admin), await createViaApi(admin)];
    const first = await as(admin, 'GET', `${TENANTS}?limit=2`);
    const page1 = (await first.json()) as TenantPage;
    expect(page1.data).toHaveLength(2);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const second = await as(admin, 'GET', `${TENANTS}?limit=2&cursor=${encodeURIComponent(page1.nextCursor!)}`);
    const page2 = (await second.json()) as TenantPage;
    expect(page2.data.length).toBeGreaterThan(0);
    expect(page2.data.map((t) => t.id)).not.toEqual(expect.arrayContaining(page1.data.map((t) => t.id)));
    expect(Date.parse(page2.data[0]!.createdAt)).toBeLessThanOrEqual(Date.parse(page1.data[1]!.createdAt));

    const all = await listedIds(admin);
    expect(new Set(all).size).toBe(all.length);
    const positions = made.map((t) => all.indexOf(t.id));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => b - a)); // newest first
  });
});
