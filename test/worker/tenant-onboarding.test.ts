import { describe, expect, it } from 'vitest';

import type { AuditView } from '../../src/services/admin/views.ts';
import { api, apiAs, jsonOf, sessionOf } from '../fixtures/index.ts';
import { createProduct, PRODUCTS, send, type Product } from './catalog-helpers.ts';
import { call, postJson, problemOf } from './helpers.ts';
import {
  as,
  createTenant,
  PASSWORD,
  platformAdmin,
  registerUser,
  tenantAdmin,
  type TestUser,
} from './identity-helpers.ts';

/**
 * A second tenant from creation to a working catalog: the platform admin creates it
 * with its first ADMIN (invited), the invitee chooses a password, runs the tenant,
 * publishes a product its users see and other tenants do not; the platform admin acts
 * on the tenant's users only by naming the tenant, and each such call is audited.
 */
const TENANTS = '/api/v1/admin/tenants';
const ACCEPT = '/api/v1/auth/invitations/accept';

async function newTenant(platform: TestUser) {
  const handle = `boss${crypto.randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const res = await apiAs(platform).admin.tenants.$post({
    json: {
      name: `second-${crypto.randomUUID().slice(0, 12)}`,
      admin: { email: `${handle}@shop.example.com`, username: handle, firstName: 'Grace', lastName: 'Hopper' },
    },
  });
  return { created: await jsonOf(res, 201), handle, res };
}

const loginTo = (tenantId: string, login: string, password: string) =>
  postJson('/api/v1/auth/login', { login, password }, { 'x-tenant-id': tenantId });

async function signedIn(tenantId: string, login: string, password = PASSWORD): Promise<TestUser> {
  const res = await apiAs({ tenantId }).auth.login.$post({ header: {}, json: { login, password } });
  const session = sessionOf(await jsonOf(res, 200));
  return {
    id: session.user.id,
    tenantId,
    email: session.user.email,
    username: session.user.username,
    password,
    ...session.tokens,
  };
}

/** The audit page (its route schema comes from drizzle-zod, which the typed client reads as `any`: the service's view names it). */
async function audit(who: TestUser, tenantId: string): Promise<AuditView[]> {
  const res = await apiAs(who).admin.tenants[':tenantId'].audit.$get({ param: { tenantId }, query: { limit: '100' } });
  return (await jsonOf(res, 200)).data;
}

describe('tenant onboarding: creation to a working catalog', () => {
  it('creates the tenant with an invited first ADMIN who sets their own password and runs the catalog', async () => {
    const platform = await platformAdmin();
    const { created, handle, res } = await newTenant(platform);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(created.seatsUsed).toBe(1);
    expect(created.firstAdmin.user).toMatchObject({ username: handle, roles: ['ADMIN', 'USER'], status: 'INACTIVE' });
    const tenantId = created.id;

    // Nobody can sign in as the invitee before they accept (no password exists).
    expect((await loginTo(tenantId, handle, PASSWORD)).status).toBe(401);

    // The registration password policy applies; a refused password leaves the invitation usable.
    const weak = await postJson(ACCEPT, {
      invitationToken: created.firstAdmin.invitationToken,
      password: handle + 'Aa1!x',
    });
    expect(weak.status).toBe(400);
    expect((await problemOf(weak)).errors?.[0]?.field).toBe('body.password');
    const accepted = await api.auth.invitations.accept.$post({
      json: { invitationToken: created.firstAdmin.invitationToken, password: PASSWORD },
    });
    expect(accepted.headers.get('cache-control')).toBe('no-store');
    expect((await jsonOf(accepted, 200)).user).toMatchObject({
      status: 'ACTIVE',
      roles: ['ADMIN', 'USER'],
    });
    // Once only.
    expect(
      (await postJson(ACCEPT, { invitationToken: created.firstAdmin.invitationToken, password: 'Another-Horse-43' }))
        .status,
    ).toBe(401);

    // The tenant's ADMIN signs in and runs their own tenant.
    const boss = await signedIn(tenantId, handle);
    const profile = await as(boss, 'GET', '/api/v1/users/me/profile');
    expect(profile.status).toBe(200);
    expect(await profile.json()).toMatchObject({ firstName: 'Grace', lastName: 'Hopper' });
    const customer = await registerUser(tenantId);
    const users = await jsonOf(await apiAs(boss).admin.users.$get({ query: {} }), 200);
    expect(users.data.map((u: { id: string }) => u.id).sort()).toEqual([boss.id, customer.id].sort());
    expect((await as(boss, 'GET', `${TENANTS}/${tenantId}`)).status).toBe(200);

    // A working catalog: the tenant's ADMIN publishes, its user sees it, another tenant does not.
    const product: Product = await createProduct(boss, { name: `Onboarded Lamp ${crypto.randomUUID().slice(0, 6)}` });
    const productsOf = async (who: TestUser) =>
      (await jsonOf(await apiAs(who).products.$get({ header: {}, query: { limit: '100' } }), 200)).data;
    const seen = await productsOf(customer);
    expect(seen.map((p) => p.id)).toEqual([product.id]);
    expect((await send(customer, 'GET', `${PRODUCTS}/${product.slug}`)).status).toBe(200);

    const outsider = await registerUser(await createTenant());
    expect((await productsOf(outsider)).map((p) => p.id)).not.toContain(product.id);
    expect((await send(outsider, 'GET', `${PRODUCTS}/${product.id}`)).status).toBe(404);
    expect((await productsOf(platform)).map((p) => p.id)).not.toContain(product.id);
  });

  it("the platform admin acts on a named tenant's users explicitly, and each call is in that tenant's audit", async () => {
    const platform = await platformAdmin();
    const { created, handle } = await newTenant(platform);
    const tenantId = created.id;
    expect(
      (await postJson(ACCEPT, { invitationToken: created.firstAdmin.invitationToken, password: PASSWORD })).status,
    ).toBe(200);
    const boss = await signedIn(tenantId, handle);
    const customer = await registerUser(tenantId);

    // Its own /admin/users stays its own tenant: the other tenant's user is 404 there.
    expect((await as(platform, 'GET', `/api/v1/admin/users/${customer.id}`)).status).toBe(404);

    const named = `${TENANTS}/${tenantId}/users`;
    const list = await apiAs(platform).admin.tenants[':tenantId'].users.$get({
      param: { tenantId },
      query: { limit: '100' },
    });
    expect((await jsonOf(list, 200)).data.map((u: { id: string }) => u.id)).toContain(customer.id);
    expect((await as(platform, 'GET', `${named}/${customer.id}`)).status).toBe(200);

    const promoted = await apiAs(platform).admin.tenants[':tenantId'].users[':id'].roles.$put({
      param: { tenantId, id: customer.id },
      json: { roles: ['USER', 'MANAGER'] },
    });
    expect((await jsonOf(promoted, 200)).roles).toEqual(['MANAGER', 'USER']);
    const manager = await signedIn(tenantId, customer.email);
    expect((await createProduct(manager)).id).toBeTruthy();

    const locked = await as(platform, 'POST', `${named}/${customer.id}/lock`);
    expect(locked.status).toBe(200);
    const lockRequestId = locked.headers.get('x-request-id');
    expect((await loginTo(tenantId, customer.email, PASSWORD)).status).toBe(423);
    expect((await as(platform, 'POST', `${named}/${customer.id}/unlock`)).status).toBe(200);
    expect((await loginTo(tenantId, customer.email, PASSWORD)).status).toBe(200);

    // The tenant must keep an active ADMIN, whoever asks.
    expect((await as(platform, 'POST', `${named}/${boss.id}/suspend`)).status).toBe(409);
    // A user id of another tenant under this tenant's path: 404.
    expect((await as(platform, 'GET', `${named}/${platform.id}`)).status).toBe(404);
    // An unknown tenant: 404.
    expect((await as(platform, 'GET', `${TENANTS}/${crypto.randomUUID()}/users`)).status).toBe(404);

    // The tenant's own ADMIN reads what the platform did, newest first.
    const entries = await audit(boss, tenantId);
    const actions = entries.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'invite-first-admin',
        'list-users',
        'get-user',
        'set-user-roles',
        'lock-user',
        'unlock-user',
      ]),
    );
    for (const e of entries) expect(e).toMatchObject({ actorUserId: platform.id, actorTenantId: platform.tenantId });
    expect(entries.find((e) => e.action === 'lock-user')).toMatchObject({
      targetUserId: customer.id,
      requestId: lockRequestId,
    });
    // A refused action (409) left no record: nothing happened.
    expect(actions).not.toContain('suspend-user');
  });

  it('only a platform admin may name another tenant; a tenant admin reads only its own audit', async () => {
    const platform = await platformAdmin();
    const { created } = await newTenant(platform);
    const otherAdmin = await tenantAdmin();
    const victim = await registerUser(created.id);
    for (const [method, path, body] of [
      ['GET', `${TENANTS}/${created.id}/users`],
      ['GET', `${TENANTS}/${created.id}/users/${victim.id}`],
      ['POST', `${TENANTS}/${created.id}/users/${victim.id}/lock`],
      ['PUT', `${TENANTS}/${created.id}/users/${victim.id}/roles`, { roles: ['ADMIN'] }],
      ['DELETE', `${TENANTS}/${created.id}/users/${victim.id}`],
      // Not even on its own tenant: a tenant admin uses /admin/users.
      ['GET', `${TENANTS}/${otherAdmin.tenantId}/users`],
    ] as [string, string, unknown?][]) {
      expect((await as(otherAdmin, method, path, body)).status, `${method} ${path}`).toBe(403);
    }
    expect((await as(otherAdmin, 'GET', `${TENANTS}/${created.id}/audit`)).status).toBe(404);
    expect((await as(otherAdmin, 'GET', `${TENANTS}/${otherAdmin.tenantId}/audit`)).status).toBe(200);
    expect((await as(victim, 'GET', `${TENANTS}/${created.id}/audit`)).status).toBe(403);
    expect(
      (await postJson('/api/v1/auth/login', { login: victim.email, password: PASSWORD }, { 'x-tenant-id': created.id }))
        .status,
    ).toBe(200);
  });

  it('refuses a tenant without a first admin, and invitations that are forged, foreign or for another purpose', async () => {
    const platform = await platformAdmin();
    const missing = await as(platform, 'POST', TENANTS, { name: `no-admin-${crypto.randomUUID().slice(0, 8)}` });
    expect(missing.status).toBe(400);
    expect((await problemOf(missing)).errors?.map((e) => e.field)).toContain('body.admin');
    const bad = await as(platform, 'POST', TENANTS, {
      name: `bad-admin-${crypto.randomUUID().slice(0, 8)}`,
      admin: { email: 'nope', username: 'a b' },
    });
    expect((await problemOf(bad)).errors?.map((e) => e.field)).toEqual(
      expect.arrayContaining(['body.admin.email', 'body.admin.username']),
    );

    const user = await registerUser(await createTenant());
    for (const token of [user.accessToken, 'x.y.z', user.refreshToken]) {
      expect((await postJson(ACCEPT, { invitationToken: token, password: PASSWORD })).status).toBe(401);
    }
    // Wrong passwords tried against the pending account do not lock out its owner.
    const { created, handle } = await newTenant(platform);
    for (let i = 0; i < 6; i++) await loginTo(created.id, handle, `Wrong-Password-${i}`);
    expect(
      (await postJson(ACCEPT, { invitationToken: created.firstAdmin.invitationToken, password: PASSWORD })).status,
    ).toBe(200);
    expect((await loginTo(created.id, handle, PASSWORD)).status).toBe(200);
    // The accepted admin's access token works where an ADMIN's does.
    const boss = await signedIn(created.id, handle);
    expect(
      (await call(`${TENANTS}/${created.id}`, { headers: { authorization: `Bearer ${boss.accessToken}` } })).status,
    ).toBe(200);
  });

  it('invitations into a named tenant: a new ADMIN by the platform admin (audited), users by the tenant admin, a fresh token for a pending one', async () => {
    const platform = await platformAdmin();
    const { created, handle } = await newTenant(platform);
    const tenantId = created.id;
    expect(
      (await postJson(ACCEPT, { invitationToken: created.firstAdmin.invitationToken, password: PASSWORD })).status,
    ).toBe(200);
    const boss = await signedIn(tenantId, handle);
    const invitations = `${TENANTS}/${tenantId}/invitations`;

    // The platform admin gives the tenant a second ADMIN (e.g. the first one left).
    const second = `deputy${crypto.randomUUID().replace(/-/g, '').slice(0, 10)}`;
    const invite = (who: TestUser, json: { email: string; username: string; roles?: Array<'ADMIN' | 'USER'> }) =>
      apiAs(who).admin.tenants[':tenantId'].invitations.$post({ param: { tenantId }, json });
    const invited = await invite(platform, { email: `${second}@shop.example.com`, username: second, roles: ['ADMIN'] });
    expect(invited.headers.get('cache-control')).toBe('no-store');
    const first = await jsonOf(invited, 201);
    expect(first.user).toMatchObject({ tenantId, roles: ['ADMIN'], status: 'INACTIVE' });

    // Again while pending: a fresh token for the same user (200); either works once.
    const again = await invite(platform, { email: `${second}@shop.example.com`, username: second, roles: ['ADMIN'] });
    const fresh = await jsonOf(again, 200);
    expect(fresh.user.id).toBe(first.user.id);
    expect((await postJson(ACCEPT, { invitationToken: fresh.invitationToken, password: PASSWORD })).status).toBe(200);
    expect((await postJson(ACCEPT, { invitationToken: first.invitationToken, password: PASSWORD })).status).toBe(401);
    const deputy = await signedIn(tenantId, second);
    expect((await as(deputy, 'GET', '/api/v1/admin/users')).status).toBe(200);

    const entries = await audit(boss, tenantId);
    expect(entries.filter((e) => e.action === 'invite-user').map((e) => e.targetUserId)).toEqual([
      first.user.id,
      first.user.id,
    ]);

    // The tenant's ADMIN invites into their own tenant (not audited: nobody from outside acted).
    const clerk = `clerk${crypto.randomUUID().replace(/-/g, '').slice(0, 10)}`;
    const own = await invite(boss, { email: `${clerk}@shop.example.com`, username: clerk });
    expect((await jsonOf(own, 201)).user.roles).toEqual(['USER']);
    expect((await audit(boss, tenantId)).filter((e) => e.action === 'invite-user')).toHaveLength(2);
    // ...but not into another tenant.
    expect(
      (
        await as(boss, 'POST', `${TENANTS}/${platform.tenantId}/invitations`, {
          email: `x${clerk}@example.com`,
          username: `x${clerk}`,
        })
      ).status,
    ).toBe(403);

    // Taken by an active user: 409 naming the field.
    const dupEmail = await as(boss, 'POST', invitations, { email: boss.email, username: `other${clerk}` });
    expect(dupEmail.status).toBe(409);
    expect((await problemOf(dupEmail)).errors?.[0]?.field).toBe('body.email');
    const dupName = await as(boss, 'POST', invitations, { email: `new-${clerk}@example.com`, username: boss.username });
    expect(dupName.status).toBe(409);
    expect((await problemOf(dupName)).errors?.[0]?.field).toBe('body.username');
  });

  it('a first admin whose email or username is taken: 409 naming the field, and no tenant is left behind', async () => {
    const platform = await platformAdmin();
    const name = `taken-${crypto.randomUUID().slice(0, 12)}`;
    const existing = await registerUser(await createTenant());
    const res = await as(platform, 'POST', TENANTS, {
      name,
      admin: { email: existing.email, username: `fresh${crypto.randomUUID().slice(0, 8)}` },
    });
    expect(res.status).toBe(409);
    expect((await problemOf(res)).errors?.[0]?.field).toBe('body.admin.email');
    const byName = await as(platform, 'POST', TENANTS, {
      name,
      admin: { email: `fresh-${crypto.randomUUID()}@example.com`, username: existing.username },
    });
    expect(byName.status).toBe(409);
    expect((await problemOf(byName)).errors?.[0]?.field).toBe('body.admin.username');
    // The name is still free: nothing of the failed attempts was written.
    const ok = await as(platform, 'POST', TENANTS, {
      name,
      admin: { email: `fresh-${crypto.randomUUID()}@example.com`, username: `fresh${crypto.randomUUID().slice(0, 8)}` },
    });
    expect(ok.status).toBe(201);
  });
});
