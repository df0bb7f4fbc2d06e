/**
 * Failed sign-ins pause the account for growing delays; they never lock it for good (OWASP:
 * a lockout anyone can trigger is a denial of service). Five anonymous wrong passwords used to
 * lock the only ADMIN permanently, with no route to unlock it. The permanent lock is an
 * administrator's action; `npm run account:unlock` (test/node/account-unlock.test.ts) is the
 * operator's way back in.
 */
import { env } from 'cloudflare:workers';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';

import { refreshTokens, users } from '../../src/db/pg/schema/index.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { completeLogin } from '../../src/services/auth/accounts.ts';
import { loadIdentityById } from '../../src/services/auth/identity.ts';
import { LOCKOUT_BASE_SECONDS, LOCKOUT_MAX_SECONDS } from '../../src/services/auth/index.ts';
import { systemContext } from '../../src/services/context.ts';
import { call, postJson, problemOf } from './helpers.ts';
import { as, bearer, createTenant, registerUser, tenantAdmin, type TestUser } from './identity-helpers.ts';
import { testStores } from './stores.ts';

const MAX = 5;
const attempt = (user: TestUser, password: string, login = user.email) =>
  postJson('/api/v1/auth/login', { login, password }, { 'x-tenant-id': user.tenantId });

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

/** The pause runs out (as if its time had passed). */
async function endPause(user: TestUser) {
  const stores = testStores();
  try {
    await inTenantTx(stores.pg('auth').db, user.tenantId, (tx) =>
      tx
        .update(users)
        .set({ lockedUntil: sql`now() - interval '1 second'` })
        .where(eq(users.id, user.id)),
    );
  } finally {
    await stores.close();
  }
}

/** Seconds of the current pause, from the database. */
async function pauseSeconds(user: TestUser): Promise<number> {
  const row = await readUser(user);
  return Math.round(((row.lockedUntil?.getTime() ?? 0) - row.updatedAt.getTime()) / 1000);
}

describe('failed sign-ins: temporary pauses with growing delays, never a permanent lock', () => {
  it('five anonymous wrong passwords for the only ADMIN: paused (423, Retry-After), not locked; the admin stays signed in and signs in after the pause', async () => {
    const admin = await tenantAdmin();
    const statuses: number[] = [];
    for (let i = 0; i < MAX; i++) statuses.push((await attempt(admin, 'Wrong-Password-1', admin.username)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 423]);
    const paused = await attempt(admin, admin.password);
    expect(paused.status).toBe(423);
    expect(Number(paused.headers.get('retry-after'))).toBeGreaterThan(LOCKOUT_BASE_SECONDS - 5);
    expect(Number(paused.headers.get('retry-after'))).toBeLessThanOrEqual(LOCKOUT_BASE_SECONDS);
    expect(await problemOf(paused)).toMatchObject({ type: expect.stringMatching(/account-temporarily-locked$/) });
    const row = await readUser(admin);
    expect(row).toMatchObject({ accountLocked: false, failedLoginAttempts: MAX });
    expect(await pauseSeconds(admin)).toBe(LOCKOUT_BASE_SECONDS);
    // The admin's sessions were not touched by someone else's failures.
    expect((await call('/api/v1/auth/me', { headers: bearer(admin) })).status).toBe(200);
    expect((await postJson('/api/v1/auth/refresh', { refreshToken: admin.refreshToken })).status).toBe(200);
    // Attempts during the pause are refused unchecked and do not count.
    expect((await attempt(admin, 'Wrong-Password-1')).status).toBe(423);
    expect((await readUser(admin)).failedLoginAttempts).toBe(MAX);
    await endPause(admin);
    const back = await attempt(admin, admin.password);
    expect(back.status).toBe(200);
    expect(await readUser(admin)).toMatchObject({ accountLocked: false, failedLoginAttempts: 0, lockedUntil: null });
  });

  it('each failure after a pause ran out pauses again, twice as long, up to the cap', async () => {
    const user = await registerUser(await createTenant());
    for (let i = 0; i < MAX; i++) await attempt(user, 'Wrong-Password-1');
    const seen = [await pauseSeconds(user)];
    for (let i = 0; i < 6; i++) {
      await endPause(user);
      // (by username: the per-account rate limit counts per login name, 10 a minute)
      expect((await attempt(user, 'Wrong-Password-1', user.username)).status).toBe(423);
      seen.push(await pauseSeconds(user));
    }
    const expected = [0, 1, 2, 3, 4, 5, 6].map((k) => Math.min(LOCKOUT_MAX_SECONDS, LOCKOUT_BASE_SECONDS * 2 ** k));
    expect(seen).toEqual(expected);
    expect((await readUser(user)).accountLocked).toBe(false);
  });

  it('the permanent lock is an administrator action: 423 "locked", for the right password too, until unlocked', async () => {
    const admin = await tenantAdmin();
    const user = await registerUser(admin.tenantId);
    expect((await as(admin, 'POST', `/api/v1/admin/users/${user.id}/lock`)).status).toBe(200);
    const res = await attempt(user, user.password);
    expect(res.status).toBe(423);
    expect((await problemOf(res)).type).toMatch(/\/locked$/);
    expect((await as(admin, 'POST', `/api/v1/admin/users/${user.id}/unlock`)).status).toBe(200);
    expect((await attempt(user, user.password)).status).toBe(200);
  });

  it('15 concurrent wrong passwords on one account: only 401, 423 or 429; the count stops at the threshold', async () => {
    const user = await registerUser(await createTenant());
    const statuses = await Promise.all(
      Array.from({ length: 15 }, async () => (await attempt(user, 'Wrong-Password-1')).status),
    );
    for (const status of statuses) expect([401, 423, 429]).toContain(status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(MAX - 1);
    expect(statuses.some((s) => s === 423 || s === 429)).toBe(true);
    const row = await readUser(user);
    expect(row.accountLocked).toBe(false);
    expect(row.failedLoginAttempts).toBeLessThanOrEqual(MAX);
    if (row.failedLoginAttempts === MAX) expect(await pauseSeconds(user)).toBe(LOCKOUT_BASE_SECONDS);
  });

  it('8 concurrent wrong passwords (under the rate limits) count exactly: 4 answered 401, 4 answered 423, the count at 5, one pause of 60 s', async () => {
    const user = await registerUser(await createTenant());
    const statuses = await Promise.all(
      Array.from({ length: 8 }, async () => (await attempt(user, 'Wrong-Password-1')).status),
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(MAX - 1);
    expect(statuses.filter((s) => s === 423)).toHaveLength(8 - (MAX - 1));
    const row = await readUser(user);
    expect(row.failedLoginAttempts).toBe(MAX);
    expect(row.accountLocked).toBe(false);
    expect(await pauseSeconds(user)).toBe(LOCKOUT_BASE_SECONDS);
  });

  it('a sign-in whose password was checked before a pause began issues no session: 423, no refresh token, the count kept', async () => {
    const user = await registerUser(await createTenant());
    const stores = testStores();
    try {
      const ctx = systemContext(env, stores, createLogger('warn'), user.tenantId);
      const db = stores.pg('auth').db;
      // The password was right when read; then concurrent failures paused the account.
      const identity = (await inTenantTx(db, user.tenantId, (tx) => loadIdentityById(tx, user.id)))!;
      await inTenantTx(db, user.tenantId, (tx) =>
        tx
          .update(users)
          .set({ failedLoginAttempts: MAX, lockedUntil: sql`now() + interval '60 seconds'` })
          .where(eq(users.id, user.id)),
      );
      const before = await inTenantTx(db, user.tenantId, (tx) =>
        tx.select().from(refreshTokens).where(eq(refreshTokens.userId, user.id)),
      );
      const refused = await completeLogin(ctx, identity).then(
        () => null,
        (err: unknown) => err as { status?: number },
      );
      expect(refused?.status).toBe(423);
      const after = await inTenantTx(db, user.tenantId, (tx) =>
        tx.select().from(refreshTokens).where(eq(refreshTokens.userId, user.id)),
      );
      expect(after).toHaveLength(before.length);
      expect((await readUser(user)).failedLoginAttempts).toBe(MAX);
    } finally {
      await stores.close();
    }
  });
});
