import { exports } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { hc } from 'hono/client';
import { describe, expect, it } from 'vitest';

import type { AppType } from '../../src/app.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import { apiAs, call, createTenant, fieldsOf, jsonOf, PASSWORD, problemOf, registerUser } from '../fixtures/index.ts';
import { postJson } from './helpers.ts';
import { testStores } from './stores.ts';

const REGISTER = '/api/v1/auth/register';
const body = (
  overrides: { email?: string; username?: string; password?: string; firstName?: string; lastName?: string } = {},
) => {
  const handle = `u${crypto.randomUUID().replace(/-/g, '').slice(0, 10)}`;
  return { email: `${handle}@example.com`, username: handle, password: PASSWORD, ...overrides };
};
/** POST /auth/register, in `tenantId` (X-Tenant-ID) unless it is undefined. */
const register = (tenantId: string | undefined, json = body()) =>
  apiAs({ tenantId }).auth.register.$post({ header: {}, json });

describe('POST /auth/register: refused', () => {
  it('without a tenant (no X-Tenant-ID, no tenant domain): 400 naming the header', async () => {
    const res = await register(undefined);
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors?.[0]?.field).toBe('header.x-tenant-id');
  });

  it('for an unknown tenant: 404; for a malformed tenant id: 400', async () => {
    expect((await register(crypto.randomUUID())).status).toBe(404);
    const res = await register('not-a-uuid');
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors?.[0]?.field).toBe('header.x-tenant-id');
  });

  it('in a SUSPENDED or DELETED tenant: 403', async () => {
    for (const status of ['SUSPENDED', 'DELETED'] as const) {
      const tenantId = await createTenant({ status });
      const res = await register(tenantId);
      expect(res.status).toBe(403);
    }
  });

  it('with wrong types, missing and unknown fields: 400 naming each field', async () => {
    const tenantId = await createTenant();
    // Raw: wrong types and unknown fields, which the typed client cannot send.
    const res = await postJson(REGISTER, { email: 'nope', username: 7, extra: true }, { 'x-tenant-id': tenantId });
    expect(res.status).toBe(400);
    const fields = await fieldsOf(res);
    expect(fields).toEqual(expect.arrayContaining(['body.email', 'body.username', 'body.password']));
    expect(fields.some((f) => f.startsWith('body'))).toBe(true);
  });

  it('with a weak password: 400 on body.password with the policy reasons', async () => {
    const tenantId = await createTenant();
    const res = await register(tenantId, body({ password: 'short' }));
    expect(res.status).toBe(400);
    const problem = await problemOf(res);
    expect(problem.errors?.every((e) => e.field === 'body.password')).toBe(true);
    expect(problem.errors?.length).toBeGreaterThan(0);
  });

  it('malformed JSON: 400; not JSON: 415', async () => {
    // Raw: a body that is not JSON, which the typed client cannot send.
    const tenantId = await createTenant();
    const malformed = await call(REGISTER, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tenant-id': tenantId },
      body: '{"email": ',
    });
    expect(malformed.status).toBe(400);
    expect((await problemOf(malformed)).title).toBe('Malformed JSON');
    const form = await call(REGISTER, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-tenant-id': tenantId },
      body: 'email=a',
    });
    expect(form.status).toBe(415);
  });

  it('a taken email or username, in any letter case: 409 naming the field, nothing written', async () => {
    const tenantId = await createTenant();
    const first = await registerUser(tenantId);
    const dupEmail = await register(tenantId, body({ email: first.email.toUpperCase() }));
    expect(dupEmail.status).toBe(409);
    expect((await problemOf(dupEmail)).errors?.[0]?.field).toBe('body.email');
    const dupName = await register(tenantId, body({ username: first.username.toUpperCase() }));
    expect(dupName.status).toBe(409);
    expect((await problemOf(dupName)).errors?.[0]?.field).toBe('body.username');

    const stores = testStores();
    const { rows } = await inTenantTx(stores.pg('auth').db, tenantId, (tx) =>
      tx.execute<{ n: number }>(sql`select count(*)::int as n from auth.users`),
    );
    await stores.close();
    expect(rows[0]?.n).toBe(1);
  });

  it('past max_users, even under concurrent registrations: exactly the free seats are taken', async () => {
    const tenantId = await createTenant({ maxUsers: 3 });
    await registerUser(tenantId);
    const attempts = await Promise.all(Array.from({ length: 6 }, () => register(tenantId)));
    const statuses = attempts.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 409, 409, 409, 409]);
    const refused = attempts.find((r) => r.status !== 201)!; // a 409, as the statuses say
    expect((await problemOf(refused)).title).toBe('Seat limit reached');
  });
});

describe('POST /auth/register: accepted', () => {
  it('finds the tenant by the Host when no X-Tenant-ID is sent', async () => {
    const domain = `shop-${crypto.randomUUID().slice(0, 8)}.example.com`;
    const tenantId = await createTenant({ domain });
    const res = await hc<AppType>(`https://${domain}`, {
      fetch: (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init)),
    }).api.v1.auth.register.$post({ header: {}, json: body() });
    expect((await jsonOf(res, 201)).user.tenantId).toBe(tenantId);
  });

  it('creates a USER with its permissions, a session, and stores only a hash', async () => {
    const tenantId = await createTenant();
    const input = body({
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: `Ada.${crypto.randomUUID().slice(0, 8)}@Example.com`,
    });
    const session = await jsonOf(await register(tenantId, input), 201);
    expect(session.user).toMatchObject({
      tenantId,
      email: input.email.toLowerCase(),
      firstName: 'Ada',
      roles: ['USER'],
      permissions: ['read:orders', 'read:products', 'read:profile', 'write:orders', 'write:profile', 'write:reviews'],
      status: 'ACTIVE',
      authProvider: 'LOCAL',
    });
    expect(session.user).not.toHaveProperty('passwordHash');
    expect(session.tokens).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });

    const stores = testStores();
    const { rows } = await inTenantTx(stores.pg('auth').db, tenantId, (tx) =>
      tx.execute<{ password_hash: string }>(sql`select password_hash from auth.users where id = ${session.user.id}`),
    );
    await stores.close();
    expect(rows[0]?.password_hash).toMatch(/^\$pbkdf2-sha256\$v=1\$i=100000\$/);
  });
});
