import { eq } from 'drizzle-orm';
import type { InferRequestType } from 'hono/client';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { users } from '../../src/db/pg/schema/index.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import type { PublicUser } from '../../src/services/auth/views.ts';
import {
  api,
  apiAs,
  callAs as as,
  call,
  createTenant,
  grantRole,
  jsonOf,
  login,
  problemOf,
  registerUser,
  tenantWithAdmin,
  type TestUser,
} from '../fixtures/index.ts';
import { testStores } from './stores.ts';

/*
 * Raw requests (`call`, `as`) remain where a test walks a table of routes with one request
 * shape, or sends what the typed client cannot; every body read goes through the typed client.
 */
const USERS = '/api/v1/admin/users';
type UserQuery = Omit<InferRequestType<typeof api.admin.users.$get>['query'], 'limit'>;
const adminUser = (admin: TestUser) => apiAs(admin).admin.users[':id'];
const refresh = (user: TestUser) => api.auth.refresh.$post({ json: { refreshToken: user.refreshToken } });

const loginAs = (user: TestUser, password = user.password) =>
  apiAs({ tenantId: user.tenantId }).auth.login.$post({ header: {}, json: { login: user.email, password } });

/** The route's answer as the service builds it (its drizzle-zod response schema reaches the typed client as `any`). */
async function listAll(admin: TestUser, query: UserQuery = {}): Promise<PublicUser[]> {
  return (await jsonOf(await apiAs(admin).admin.users.$get({ query: { limit: '100', ...query } }), 200)).data;
}

async function dbUser(user: TestUser) {
  const stores = testStores();
  try {
    const [row] = await inTenantTx(stores.pg('auth').db, user.tenantId, (tx) =>
      tx.select().from(users).where(eq(users.id, user.id)),
    );
    return row;
  } finally {
    await stores.close();
  }
}

describe('admin users: who may call', () => {
  it('no token: 401 on every route', async () => {
    const id = crypto.randomUUID();
    const routes: [string, string][] = [
      ['GET', USERS],
      ['GET', `${USERS}/${id}`],
      ['POST', `${USERS}/${id}/lock`],
      ['POST', `${USERS}/${id}/unlock`],
      ['POST', `${USERS}/${id}/suspend`],
      ['POST', `${USERS}/${id}/activate`],
      ['DELETE', `${USERS}/${id}`],
      ['PUT', `${USERS}/${id}/roles`],
    ];
    for (const [method, path] of routes) {
      const res = await call(path, {
        method,
        ...(method === 'PUT' ? { headers: { 'content-type': 'application/json' }, body: '{"roles":["USER"]}' } : {}),
      });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect((await problemOf(res)).status).toBe(401);
    }
  });

  it('USER, SUPPORT and MANAGER tokens: 403 on every route, even with a bad body', async () => {
    const { tenantId, members } = await tenantWithAdmin(1);
    const target = members[0]!;
    const plain = await registerUser(tenantId);
    const support = await grantRole(await registerUser(tenantId), 'SUPPORT');
    const manager = await grantRole(await registerUser(tenantId), 'MANAGER');
    for (const who of [plain, support, manager]) {
      for (const [method, path, body] of [
        ['GET', USERS],
        ['GET', `${USERS}/${target.id}`],
        ['POST', `${USERS}/${target.id}/lock`],
        ['POST', `${USERS}/${target.id}/unlock`],
        ['POST', `${USERS}/${target.id}/suspend`],
        ['POST', `${USERS}/${target.id}/activate`],
        ['DELETE', `${USERS}/${target.id}`],
        ['PUT', `${USERS}/${target.id}/roles`, { roles: ['ADMIN'] }],
        ['PUT', `${USERS}/${who.id}/roles`, { nope: 1 }],
      ] as [string, string, unknown?][]) {
        const res = await as(who, method, path, body);
        expect(res.status, `${method} ${path}`).toBe(403);
      }
    }
    expect((await dbUser(target))?.accountLocked).toBe(false);
  });

  it("an ADMIN's API key: 403 (keys carry permissions, never roles)", async () => {
    const { admin } = await tenantWithAdmin(0);
    const created = await apiAs(admin).auth['api-keys'].$post({
      json: { name: 'admin key', scopes: ['read:products'] },
    });
    const { key } = await jsonOf(created, 201);
    const res = await apiAs({ apiKey: key }).admin.users.$get({ query: {} });
    expect(res.status).toBe(403);
  });

  it('an admin whose ADMIN role was removed is refused at once, before their token expires', async () => {
    const { tenantId, admin } = await tenantWithAdmin(0);
    const other = await grantRole(await registerUser(tenantId), 'ADMIN');
    const res = await as(other, 'PUT', `${USERS}/${admin.id}/roles`, { roles: ['USER'] });
    expect(res.status).toBe(200);
    // `admin` still holds an access token that says ADMIN.
    const after = await as(admin, 'GET', USERS);
    expect(after.status).toBe(403);
  });
});

describe('admin users: tenant isolation (RLS, application role)', () => {
  it("tenant A's admin cannot list, see, lock, suspend, delete or re-role tenant B's users: 404 / absent", async () => {
    const a = await tenantWithAdmin(1);
    const b = await tenantWithAdmin(1);
    const victim = b.members[0]!;

    const listed = await listAll(a.admin, { q: victim.email });
    expect(listed).toEqual([]);
    const all = await listAll(a.admin);
    expect(all.map((u) => u.id).sort()).toEqual([a.admin.id, a.members[0]!.id].sort());

    expect((await as(a.admin, 'GET', `${USERS}/${victim.id}`)).status).toBe(404);
    for (const action of ['lock', 'unlock', 'suspend', 'activate']) {
      const res = await as(a.admin, 'POST', `${USERS}/${victim.id}/${action}`);
      expect(res.status, action).toBe(404);
    }
    expect((await as(a.admin, 'DELETE', `${USERS}/${victim.id}`)).status).toBe(404);
    expect((await as(a.admin, 'PUT', `${USERS}/${victim.id}/roles`, { roles: ['ADMIN'] })).status).toBe(404);
    // Tenant B's admin is just as invisible.
    expect((await as(a.admin, 'POST', `${USERS}/${b.admin.id}/lock`)).status).toBe(404);

    const row = await dbUser(victim);
    expect(row).toMatchObject({ accountLocked: false, status: 'ACTIVE', deletedAt: null });
    expect((await loginAs(victim)).status).toBe(200);
  });
});

describe('admin users: refused', () => {
  it('an admin cannot lock, suspend or delete themself: 409, nothing changes', async () => {
    const { admin } = await tenantWithAdmin(0);
    for (const [method, path] of [
      ['POST', `${USERS}/${admin.id}/lock`],
      ['POST', `${USERS}/${admin.id}/suspend`],
      ['DELETE', `${USERS}/${admin.id}`],
    ] as const) {
      const res = await as(admin, method, path);
      expect(res.status, path).toBe(409);
      expect((await problemOf(res)).type).toMatch(/self-action$/);
    }
    expect(await dbUser(admin)).toMatchObject({ accountLocked: false, status: 'ACTIVE', deletedAt: null });
    expect((await as(admin, 'GET', USERS)).status).toBe(200);
  });

  it('the last active ADMIN cannot drop their ADMIN role: 409, roles unchanged', async () => {
    const { admin } = await tenantWithAdmin(0);
    const self = adminUser(admin);
    const res = await self.roles.$put({ param: { id: admin.id }, json: { roles: ['USER', 'MANAGER'] } });
    expect(res.status).toBe(409);
    expect((await problemOf(res)).type).toMatch(/last-admin$/);
    const me = await self.$get({ param: { id: admin.id } });
    expect((await jsonOf(me, 200)).roles).toEqual(['ADMIN', 'USER']);
  });

  it('with a second active admin, an admin may drop their own ADMIN role', async () => {
    const { tenantId, admin } = await tenantWithAdmin(0);
    await grantRole(await registerUser(tenantId), 'ADMIN');
    const res = await adminUser(admin).roles.$put({ param: { id: admin.id }, json: { roles: ['USER'] } });
    expect((await jsonOf(res, 200)).roles).toEqual(['USER']);
  });

  it('a locked or suspended admin does not count: demoting the only active one is 409', async () => {
    const { tenantId, admin } = await tenantWithAdmin(0);
    const second = await grantRole(await registerUser(tenantId), 'ADMIN');
    expect((await as(admin, 'POST', `${USERS}/${second.id}/suspend`)).status).toBe(200);
    const res = await as(admin, 'PUT', `${USERS}/${admin.id}/roles`, { roles: ['USER'] });
    expect(res.status).toBe(409);
  });

  it('two admins locking each other at the same time: exactly one wins, one active admin remains', async () => {
    const { tenantId, admin } = await tenantWithAdmin(0);
    const second = await grantRole(await registerUser(tenantId), 'ADMIN');
    const [r1, r2] = await Promise.all([
      as(admin, 'POST', `${USERS}/${second.id}/lock`),
      as(second, 'POST', `${USERS}/${admin.id}/lock`),
    ]);
    expect([r1.status, r2.status].sort()).toEqual([200, 403]);
    const locked = [(await dbUser(admin))!.accountLocked, (await dbUser(second))!.accountLocked];
    expect(locked.filter(Boolean)).toHaveLength(1);
  });

  it('bad input: 400 naming the field (ids, roles, unknown fields, query)', async () => {
    const { admin, members } = await tenantWithAdmin(1);
    const target = members[0]!;
    const badId = await as(admin, 'POST', `${USERS}/not-a-uuid/lock`);
    expect(badId.status).toBe(400);
    expect((await problemOf(badId)).errors?.[0]?.field).toBe('param.id');

    const badRoles = await as(admin, 'PUT', `${USERS}/${target.id}/roles`, { roles: ['ADMIN', 'OWNER'], extra: true });
    expect(badRoles.status).toBe(400);
    const fields = (await problemOf(badRoles)).errors?.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['body.roles.1', 'body']));

    const empty = await as(admin, 'PUT', `${USERS}/${target.id}/roles`, { roles: [] });
    expect(empty.status).toBe(400);
    expect((await problemOf(empty)).errors?.[0]?.field).toBe('body.roles');

    const missing = await as(admin, 'PUT', `${USERS}/${target.id}/roles`, {});
    expect((await problemOf(missing)).errors?.[0]?.field).toBe('body.roles');

    for (const [query, field] of [
      ['limit=0', 'query.limit'],
      ['limit=101', 'query.limit'],
      ['limit=abc', 'query.limit'],
      ['status=GONE', 'query.status'],
      ['role=OWNER', 'query.role'],
      ['cursor=garbage', 'query.cursor'],
      ['sort=name', 'query'],
    ]) {
      const res = await as(admin, 'GET', `${USERS}?${query}`);
      expect(res.status, query).toBe(400);
      expect(
        (await problemOf(res)).errors?.map((e) => e.field),
        query,
      ).toContain(field);
    }
    expect((await as(admin, 'GET', `${USERS}/${crypto.randomUUID()}`)).status).toBe(404);
  });
});

describe('admin users: lock, unlock, suspend, activate, delete', () => {
  it('a locked user gets 423 at login and loses their sessions; after unlock they log in, failed attempts reset', async () => {
    const { admin, members } = await tenantWithAdmin(1);
    const user = members[0]!;
    expect((await loginAs(user, 'Wrong-Password-1')).status).toBe(401);
    expect((await dbUser(user))?.failedLoginAttempts).toBe(1);

    const locked = await as(admin, 'POST', `${USERS}/${user.id}/lock`);
    expect(locked.status).toBe(200);
    expect(await locked.json()).toMatchObject({ id: user.id, accountLocked: true, status: 'ACTIVE' });
    expect((await loginAs(user)).status).toBe(423);
    const refreshed = await refresh(user);
    expect(refreshed.status).toBe(401);
    // Idempotent.
    expect((await as(admin, 'POST', `${USERS}/${user.id}/lock`)).status).toBe(200);

    const unlocked = await as(admin, 'POST', `${USERS}/${user.id}/unlock`);
    expect(unlocked.status).toBe(200);
    expect(await unlocked.json()).toMatchObject({ accountLocked: false });
    expect((await dbUser(user))?.failedLoginAttempts).toBe(0);
    expect((await loginAs(user)).status).toBe(200);
  });

  it('an account paused by failed logins is unlocked by an admin', async () => {
    const { admin, members } = await tenantWithAdmin(1);
    const user = members[0]!;
    let last = 0;
    for (let i = 0; i < 5; i++) last = (await loginAs(user, 'Wrong-Password-1')).status;
    expect(last).toBe(423);
    expect((await loginAs(user)).status).toBe(423);
    expect((await as(admin, 'POST', `${USERS}/${user.id}/unlock`)).status).toBe(200);
    expect(await dbUser(user)).toMatchObject({ accountLocked: false, failedLoginAttempts: 0, lockedUntil: null });
    expect((await loginAs(user)).status).toBe(200);
  });

  it('a suspended user gets 403 at login and loses their sessions; activate restores them', async () => {
    const { admin, members } = await tenantWithAdmin(1);
    const user = members[0]!;
    const res = await as(admin, 'POST', `${USERS}/${user.id}/suspend`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'SUSPENDED' });
    const denied = await loginAs(user);
    expect(denied.status).toBe(403);
    expect((await refresh(user)).status).toBe(401);
    expect((await listAll(admin, { status: 'SUSPENDED' })).map((u) => u.id)).toEqual([user.id]);

    const activated = await as(admin, 'POST', `${USERS}/${user.id}/activate`);
    expect(activated.status).toBe(200);
    expect(await activated.json()).toMatchObject({ status: 'ACTIVE' });
    expect((await loginAs(user)).status).toBe(200);
  });

  it('a deleted user cannot log in (401), disappears from the list and from GET; status=DELETED still shows them', async () => {
    const { admin, members } = await tenantWithAdmin(2);
    const [user, bystander] = members as [TestUser, TestUser];
    const res = await as(admin, 'DELETE', `${USERS}/${user.id}`);
    expect(res.status).toBe(204);
    expect((await loginAs(user)).status).toBe(401);
    expect((await refresh(user)).status).toBe(401);
    expect((await listAll(admin)).map((u) => u.id)).not.toContain(user.id);
    expect((await listAll(admin)).map((u) => u.id)).toContain(bystander.id);
    expect((await listAll(admin, { status: 'DELETED' })).map((u) => u.id)).toEqual([user.id]);
    expect((await as(admin, 'GET', `${USERS}/${user.id}`)).status).toBe(404);
    expect((await as(admin, 'DELETE', `${USERS}/${user.id}`)).status).toBe(404);
    const row = await dbUser(user);
    expect(row?.status).toBe('DELETED');
    expect(row?.deletedAt).toBeInstanceOf(Date);
  });

  it('GET /admin/users/:id is the public user view (no secrets)', async () => {
    const { admin, members } = await tenantWithAdmin(1);
    const res = await adminUser(admin).$get({ param: { id: members[0]!.id } });
    const body = await jsonOf(res, 200);
    expect(body).toMatchObject({ id: members[0]!.id, email: members[0]!.email, roles: ['USER'], status: 'ACTIVE' });
    expect(Object.keys(body)).not.toEqual(expect.arrayContaining(['passwordHash']));
    expect(JSON.stringify(body)).not.toMatch(/password|tfaSecret|pbkdf2/i);
  });
});

describe('admin users: roles', () => {
  it("a role change appears in the user's next login token and in /auth/me", async () => {
    const { admin, members } = await tenantWithAdmin(1);
    const user = members[0]!;
    const res = await adminUser(admin).roles.$put({
      param: { id: user.id },
      json: { roles: ['SUPPORT', 'USER', 'SUPPORT'] },
    });
    expect((await jsonOf(res, 200)).roles).toEqual(['SUPPORT', 'USER']);

    const again = await login(user);
    const payload = z
      .object({ roles: z.array(z.string()) })
      .parse(JSON.parse(atob(again.accessToken.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))));
    expect(payload.roles).toEqual(['SUPPORT', 'USER']);
    const me = await apiAs(again).auth.me.$get();
    expect((await jsonOf(me, 200)).roles).toEqual(['SUPPORT', 'USER']);

    // Promote to ADMIN: the new token opens the admin API.
    expect((await as(admin, 'PUT', `${USERS}/${user.id}/roles`, { roles: ['ADMIN'] })).status).toBe(200);
    const promoted = await login(user);
    expect((await as(promoted, 'GET', USERS)).status).toBe(200);
  });
});

describe('admin users: list and search', () => {
  it('searches email, username and names case-insensitively, filters by status and role, and pages with a cursor', async () => {
    const tenantId = await createTenant();
    const admin = await grantRole(await registerUser(tenantId, { firstName: 'Root', lastName: 'Admin' }), 'ADMIN');
    const tag = crypto.randomUUID().slice(0, 8);
    const ada = await registerUser(tenantId, {
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: `ada.${tag}@example.com`,
      username: `ada_${tag}`,
    });
    const grace = await registerUser(tenantId, {
      firstName: 'Grace',
      lastName: 'Hopper',
      email: `grace.${tag}@example.com`,
      username: `g_${tag}`,
    });
    const linus = await registerUser(tenantId, {
      firstName: 'Linus',
      lastName: 'Lovelace',
      email: `l.${tag}@example.org`,
      username: `linus_${tag}`,
    });

    const ids = async (query: UserQuery) => (await listAll(admin, query)).map((u) => u.id);
    expect(await ids({ q: `ADA.${tag}` })).toEqual([ada.id]); // email, any case
    expect(await ids({ q: `G_${tag.toUpperCase()}` })).toEqual([grace.id]); // username
    expect((await ids({ q: 'lovelace' })).sort()).toEqual([ada.id, linus.id].sort()); // last name
    expect(await ids({ q: 'grace hop' })).toEqual([grace.id]); // full name
    expect(await ids({ q: 'example.org' })).toEqual([linus.id]);
    expect(await ids({ q: '%' })).toEqual([]); // wildcards match literally
    expect(await ids({ role: 'ADMIN' })).toEqual([admin.id]);
    // List items are the full public view, roles and effective permissions included.
    const [adminView] = await listAll(admin, { role: 'ADMIN' });
    expect(adminView).toMatchObject({ id: admin.id, roles: ['ADMIN', 'USER'] });
    expect(adminView!.permissions).toEqual(expect.arrayContaining(['read:orders', 'write:products']));
    expect((await listAll(admin, { q: tag })).every((u) => u.roles.join() === 'USER')).toBe(true);

    await as(admin, 'POST', `${USERS}/${grace.id}/suspend`);
    expect(await ids({ status: 'SUSPENDED' })).toEqual([grace.id]);
    expect((await ids({ status: 'ACTIVE' })).sort()).toEqual([admin.id, ada.id, linus.id].sort());

    // Pages of 2, newest first, no duplicates, no gaps.
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await apiAs(admin).admin.users.$get({ query: { limit: '2', ...(cursor ? { cursor } : {}) } });
      const page = await jsonOf(res, 200);
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((u: PublicUser) => u.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(2);
    expect(seen).toEqual([linus.id, grace.id, ada.id, admin.id]);
  });
});
