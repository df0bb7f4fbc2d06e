import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';

import { apiKeys } from '../../src/db/pg/schema/index.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import { call, problemOf } from './helpers.ts';
import { as, createTenant, grantRole, registerUser, type TestUser } from './identity-helpers.ts';
import { testStores } from './stores.ts';

const KEYS = '/api/v1/auth/api-keys';
const withKey = (key: string, path = '/api/v1/auth/me') => call(path, { headers: { 'x-api-key': key } });

async function createKey(user: TestUser, scopes = ['read:products']) {
  const res = await as(user, 'POST', KEYS, { name: 'ci', scopes });
  expect(res.status).toBe(201);
  return (await res.json()) as { key: string; apiKey: { id: string; prefix: string; scopes: string[] } };
}

async function setKey(user: TestUser, id: string, values: Partial<typeof apiKeys.$inferInsert>) {
  const stores = testStores();
  try {
    await inTenantTx(stores.pg('auth').db, user.tenantId, (tx) =>
      tx.update(apiKeys).set(values).where(eq(apiKeys.id, id)),
    );
  } finally {
    await stores.close();
  }
}

describe('API keys: refused', () => {
  it('scopes beyond the owner permissions: 403 naming body.scopes', async () => {
    const user = await registerUser(await createTenant());
    const res = await as(user, 'POST', KEYS, { name: 'too much', scopes: ['read:products', 'delete:products'] });
    expect(res.status).toBe(403);
    expect((await problemOf(res)).errors?.[0]).toMatchObject({ field: 'body.scopes' });
  });

  it('bad bodies: 400; no token: 401', async () => {
    const user = await registerUser(await createTenant());
    const res = await as(user, 'POST', KEYS, { name: '', scopes: [], expiresInDays: 1000 });
    expect(res.status).toBe(400);
    const fields = (await problemOf(res)).errors?.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['body.name', 'body.scopes', 'body.expiresInDays']));
    expect((await call(KEYS)).status).toBe(401);
  });

  it('revoked, expired, unknown and malformed keys: 401', async () => {
    const user = await registerUser(await createTenant());
    const revoked = await createKey(user);
    expect((await as(user, 'DELETE', `${KEYS}/${revoked.apiKey.id}`)).status).toBe(204);
    expect((await withKey(revoked.key)).status).toBe(401);

    const expired = await createKey(user);
    await setKey(user, expired.apiKey.id, { expiresAt: new Date(Date.now() - 1000) });
    expect((await withKey(expired.key)).status).toBe(401);

    expect((await withKey(`ek_${user.tenantId}_${'B'.repeat(43)}`)).status).toBe(401);
    expect((await withKey('not-a-key')).status).toBe(401);
  });

  it("another user's key cannot be revoked (404) and a key cannot mint keys (403)", async () => {
    const tenantId = await createTenant();
    const owner = await registerUser(tenantId);
    const other = await registerUser(tenantId);
    const { key, apiKey } = await createKey(owner);
    expect((await as(other, 'DELETE', `${KEYS}/${apiKey.id}`)).status).toBe(404);
    const minted = await call(KEYS, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', scopes: ['read:products'] }),
    });
    expect(minted.status).toBe(403);
  });

  it('an under-scoped key is refused (403) where its owner would be allowed', async () => {
    const manager = await grantRole(await registerUser(await createTenant()), 'MANAGER');
    const readOnly = await createKey(manager, ['read:products']);
    const product = { name: 'Scoped Lamp', price: '10.00', stockQuantity: 1 };
    const denied = await call('/api/v1/products', {
      method: 'POST',
      headers: { 'x-api-key': readOnly.key, 'content-type': 'application/json' },
      body: JSON.stringify(product),
    });
    expect(denied.status).toBe(403);
    expect((await problemOf(denied)).detail).toContain('write:products');
    const writer = await createKey(manager, ['write:products']);
    const allowed = await call('/api/v1/products', {
      method: 'POST',
      headers: { 'x-api-key': writer.key, 'content-type': 'application/json' },
      body: JSON.stringify(product),
    });
    expect(allowed.status).toBe(201);
  });

  it('a key of a user who was locked stops working', async () => {
    const user = await registerUser(await createTenant());
    const { key } = await createKey(user);
    const stores = testStores();
    await inTenantTx(stores.pg('auth').db, user.tenantId, (tx) =>
      tx.execute(sql`update auth.users set account_locked = true where id = ${user.id}`),
    );
    await stores.close();
    expect((await withKey(key)).status).toBe(401);
  });
});

describe('API keys: accepted', () => {
  it('is shown once, stored hashed, listed without the secret, and authenticates with last_used_at', async () => {
    const user = await registerUser(await createTenant());
    // /auth/me needs read:profile (docs/api.md, "What an API key needs").
    const { key, apiKey } = await createKey(user, ['read:profile', 'read:orders']);
    expect(key).toMatch(new RegExp(`^ek_${user.tenantId}_`));
    expect(apiKey.scopes).toEqual(['read:orders', 'read:profile']);

    const list = (await (await as(user, 'GET', KEYS)).json()) as { data: Record<string, unknown>[] };
    expect(list.data).toHaveLength(1);
    expect(JSON.stringify(list.data)).not.toContain(key.slice(-43));
    expect(list.data[0]).toMatchObject({ id: apiKey.id, lastUsedAt: null, revoked: false });

    const me = await withKey(key);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: user.id });

    const stores = testStores();
    const [row] = await inTenantTx(stores.pg('auth').db, user.tenantId, (tx) =>
      tx.select().from(apiKeys).where(eq(apiKeys.id, apiKey.id)),
    );
    await stores.close();
    expect(row!.keyValue).toMatch(/^[0-9a-f]{64}$/);
    expect(row!.keyValue).not.toContain(key);
    expect(row!.lastUsedAt).toBeInstanceOf(Date);
  });
});
