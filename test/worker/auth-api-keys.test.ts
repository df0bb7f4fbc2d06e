import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';

import { apiKeys } from '../../src/db/pg/schema/index.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import {
  api,
  apiAs,
  createTenant,
  fieldsOf,
  grantRole,
  jsonOf,
  problemOf,
  registerUser,
  type TestUser,
} from '../fixtures/index.ts';
import { testStores } from './stores.ts';

const keys = (user: TestUser) => apiAs(user).auth['api-keys'];
const withKey = (key: string) => apiAs({ apiKey: key }).auth.me.$get();
const revoke = (user: TestUser, id: string) => keys(user)[':id'].$delete({ param: { id } });

async function createKey(user: TestUser, scopes = ['read:products']) {
  return jsonOf(await keys(user).$post({ json: { name: 'ci', scopes } }), 201);
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
    const res = await keys(user).$post({ json: { name: 'too much', scopes: ['read:products', 'delete:products'] } });
    expect(res.status).toBe(403);
    expect((await problemOf(res)).errors?.[0]).toMatchObject({ field: 'body.scopes' });
  });

  it('bad bodies: 400; no token: 401', async () => {
    const user = await registerUser(await createTenant());
    const res = await keys(user).$post({ json: { name: '', scopes: [], expiresInDays: 1000 } });
    expect(res.status).toBe(400);
    expect(await fieldsOf(res)).toEqual(expect.arrayContaining(['body.name', 'body.scopes', 'body.expiresInDays']));
    expect((await api.auth['api-keys'].$get()).status).toBe(401);
  });

  it('revoked, expired, unknown and malformed keys: 401', async () => {
    const user = await registerUser(await createTenant());
    const revoked = await createKey(user);
    expect((await revoke(user, revoked.apiKey.id)).status).toBe(204);
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
    expect((await revoke(other, apiKey.id)).status).toBe(404);
    const minted = await apiAs({ apiKey: key }).auth['api-keys'].$post({
      json: { name: 'x', scopes: ['read:products'] },
    });
    expect(minted.status).toBe(403);
  });

  it('an under-scoped key is refused (403) where its owner would be allowed', async () => {
    const manager = await grantRole(await registerUser(await createTenant()), 'MANAGER');
    const readOnly = await createKey(manager, ['read:products']);
    const product = { name: 'Scoped Lamp', price: '10.00', stockQuantity: 1 };
    const denied = await apiAs({ apiKey: readOnly.key }).products.$post({ header: {}, json: product });
    expect(denied.status).toBe(403);
    expect((await problemOf(denied)).detail).toContain('write:products');
    const writer = await createKey(manager, ['write:products']);
    const allowed = await apiAs({ apiKey: writer.key }).products.$post({ header: {}, json: product });
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

    const list = await jsonOf(await keys(user).$get(), 200);
    expect(list.data).toHaveLength(1);
    expect(JSON.stringify(list.data)).not.toContain(key.slice(-43));
    expect(list.data[0]).toMatchObject({ id: apiKey.id, lastUsedAt: null, revoked: false });

    expect(await jsonOf(await withKey(key), 200)).toMatchObject({ id: user.id });

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
