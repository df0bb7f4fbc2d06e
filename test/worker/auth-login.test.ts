import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';

import { users } from '../../src/db/pg/schema/index.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import {
  api,
  apiAs,
  createTenant,
  fieldsOf,
  jsonOf,
  problemOf,
  registerUser,
  sessionOf,
  type TestUser,
} from '../fixtures/index.ts';
import { postJson } from './helpers.ts';
import { testStores } from './stores.ts';

const loginAs = (tenantId: string, login: string, password: string) =>
  apiAs({ tenantId }).auth.login.$post({ header: {}, json: { login, password } });

async function updateUser(user: TestUser, values: Partial<typeof users.$inferInsert>) {
  const stores = testStores();
  try {
    await inTenantTx(stores.pg('auth').db, user.tenantId, (tx) =>
      tx.update(users).set(values).where(eq(users.id, user.id)),
    );
  } finally {
    await stores.close();
  }
}

async function readUser(user: TestUser) {
  const stores = testStores();
  try {
    const [row] = await inTenantTx(stores.pg('auth').db, user.tenantId, (tx) =>
      tx.select().from(users).where(eq(users.id, user.id)),
    );
    return row!;
  } finally {
    await stores.close();
  }
}

describe('POST /auth/login: refused', () => {
  it('a wrong password and an unknown user get the same 401 answer', async () => {
    const tenantId = await createTenant();
    const user = await registerUser(tenantId);
    const wrong = await loginAs(tenantId, user.email, 'Wrong-Password-1');
    const unknown = await loginAs(tenantId, 'nobody@example.com', 'Wrong-Password-1');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const [a, b] = [await problemOf(wrong), await problemOf(unknown)];
    expect({ ...a, requestId: undefined }).toEqual({ ...b, requestId: undefined });
  });

  it('counts failed attempts and pauses sign-in at the threshold (423), even for the right password; sessions stay', async () => {
    const tenantId = await createTenant();
    const user = await registerUser(tenantId);
    for (let i = 1; i <= 4; i++) expect((await loginAs(tenantId, user.email, 'Wrong-Password-1')).status).toBe(401);
    expect((await readUser(user)).failedLoginAttempts).toBe(4);
    const fifth = await loginAs(tenantId, user.email, 'Wrong-Password-1');
    expect(fifth.status).toBe(423);
    expect(fifth.headers.get('retry-after')).toMatch(/^\d+$/);
    const row = await readUser(user);
    expect(row.accountLocked).toBe(false);
    expect(row.lockedUntil!.getTime()).toBeGreaterThan(Date.now());
    expect((await loginAs(tenantId, user.email, user.password)).status).toBe(423);
    // A pause is not a lock: the sessions the user had go on (auth-lockout.test.ts has the rest).
    expect((await api.auth.refresh.$post({ json: { refreshToken: user.refreshToken } })).status).toBe(200);
  });

  it('a successful login resets the failure count and records last_login_at', async () => {
    const tenantId = await createTenant();
    const user = await registerUser(tenantId);
    await loginAs(tenantId, user.email, 'Wrong-Password-1');
    await loginAs(tenantId, user.email, 'Wrong-Password-1');
    expect((await loginAs(tenantId, user.username.toUpperCase(), user.password)).status).toBe(200);
    const row = await readUser(user);
    expect(row.failedLoginAttempts).toBe(0);
    expect(row.lastLoginAt).toBeInstanceOf(Date);
  });

  it('INACTIVE, SUSPENDED and DELETED users cannot sign in', async () => {
    const tenantId = await createTenant();
    for (const status of ['INACTIVE', 'SUSPENDED'] as const) {
      const user = await registerUser(tenantId);
      await updateUser(user, { status });
      const res = await loginAs(tenantId, user.email, user.password);
      expect(res.status).toBe(403);
      expect((await problemOf(res)).title).toBe('Account inactive');
    }
    const deleted = await registerUser(tenantId);
    await updateUser(deleted, { status: 'DELETED', deletedAt: new Date() });
    expect((await loginAs(tenantId, deleted.email, deleted.password)).status).toBe(401);
  });

  it('no login into a SUSPENDED tenant, nor with the right password in another tenant', async () => {
    const tenantId = await createTenant();
    const user = await registerUser(tenantId);
    const other = await createTenant();
    expect((await loginAs(other, user.email, user.password)).status).toBe(401);
    const stores = testStores();
    await stores.pg('auth').db.execute(sql`update auth.tenants set status = 'SUSPENDED' where id = ${tenantId}`);
    await stores.close();
    expect((await loginAs(tenantId, user.email, user.password)).status).toBe(403);
  });

  it('bad bodies: 400 naming the field', async () => {
    const tenantId = await createTenant();
    // Raw: a body of the wrong types, which the typed client cannot send.
    const res = await postJson('/api/v1/auth/login', { login: 5 }, { 'x-tenant-id': tenantId });
    expect(res.status).toBe(400);
    expect(await fieldsOf(res)).toEqual(expect.arrayContaining(['body.login', 'body.password']));
  });
});

describe('POST /auth/login: accepted', () => {
  it('by email or username, any case, and the token works for GET /auth/me', async () => {
    const tenantId = await createTenant();
    const user = await registerUser(tenantId);
    for (const name of [user.email.toUpperCase(), user.username]) {
      const { tokens } = sessionOf(await jsonOf(await loginAs(tenantId, name, user.password), 200));
      const me = await apiAs({ user: tokens }).auth.me.$get();
      expect(await jsonOf(me, 200)).toMatchObject({ id: user.id, email: user.email, roles: ['USER'] });
    }
  });

  it('verifies a bcrypt hash imported from the old system and rehashes it', async () => {
    const tenantId = await createTenant();
    const user = await registerUser(tenantId);
    // $2a$ hash of user.password at cost 4, as the Java system stored them.
    const bcrypt = await import('bcryptjs');
    await updateUser(user, {
      passwordHash: bcrypt.hashSync(user.password, bcrypt.genSaltSync(4)).replace(/^\$2b\$/, '$2a$'),
    });
    expect((await readUser(user)).passwordHash).toMatch(/^\$2a\$04\$/);
    expect((await loginAs(tenantId, user.email, user.password)).status).toBe(200);
    expect((await readUser(user)).passwordHash).toMatch(/^\$pbkdf2-sha256\$/);
    expect((await loginAs(tenantId, user.email, user.password)).status).toBe(200);
  });
});

/**
 * What a sign-in costs at the edge (issue #17, docs/performance.md "Round trips"): at most two
 * requests to PostgreSQL over its HTTP path, no connection, nothing else on the answer's path
 * (the device record runs after it, on its own stores).
 */
describe('POST /auth/login: round trips', () => {
  const tripsOf = (res: { headers: Headers }) => res.headers.get('x-round-trips');

  it('success: one read and one write; a wrong password: one read and the count; refused before the password: one read', async () => {
    const tenantId = await createTenant();
    const user = await registerUser(tenantId);
    const ok = await loginAs(tenantId, user.email, user.password);
    expect(ok.status).toBe(200);
    expect(tripsOf(ok)).toBe(
      '2; pg-connect=0; pg=0; pg-http=2; data-api=0; provider=0; overlapped=0; tenant-lookups=0',
    );

    const wrong = await loginAs(tenantId, user.username, 'Wrong-Password-1');
    expect(wrong.status).toBe(401);
    expect(tripsOf(wrong)).toMatch(/^2; pg-connect=0; pg=0; pg-http=2; data-api=0;/);

    const unknown = await loginAs(tenantId, `nobody-${crypto.randomUUID()}@example.com`, 'Wrong-Password-1');
    expect(unknown.status).toBe(401);
    expect(tripsOf(unknown)).toMatch(/^1; pg-connect=0; pg=0; pg-http=1;/);

    await updateUser(user, { lockedUntil: new Date(Date.now() + 60_000) });
    const paused = await loginAs(tenantId, user.email, user.password);
    expect(paused.status).toBe(423);
    expect(tripsOf(paused)).toMatch(/^1; pg-connect=0; pg=0; pg-http=1;/);
  });
});
