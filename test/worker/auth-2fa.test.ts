import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';

import { users } from '../../src/db/pg/schema/index.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import { totpCode, totpStep } from '../../src/lib/totp.ts';
import { call, postJson, problemOf } from './helpers.ts';
import { as, createTenant, registerUser, type TestUser } from './identity-helpers.ts';
import { testStores } from './stores.ts';

const codeAt = (secret: string, offsetSteps = 0) => totpCode(secret, totpStep(Date.now()) + offsetSteps);

async function enrolled(): Promise<TestUser & { secret: string }> {
  const user = await registerUser(await createTenant());
  const setup = await as(user, 'POST', '/api/v1/auth/2fa/setup');
  expect(setup.status).toBe(200);
  const { secret, otpauthUrl } = (await setup.json()) as { secret: string; otpauthUrl: string };
  expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
  expect(otpauthUrl).toContain(`secret=${secret}`);
  expect((await as(user, 'POST', '/api/v1/auth/2fa/enable', { code: await codeAt(secret, -1) })).status).toBe(204);
  return { ...user, secret };
}

const login = (user: TestUser) =>
  postJson('/api/v1/auth/login', { login: user.email, password: user.password }, { 'x-tenant-id': user.tenantId });

describe('two-factor authentication', () => {
  it('is not enabled by setup alone, and refuses a wrong code at enable', async () => {
    const user = await registerUser(await createTenant());
    await as(user, 'POST', '/api/v1/auth/2fa/setup');
    const wrong = await as(user, 'POST', '/api/v1/auth/2fa/enable', { code: '000000' });
    expect(wrong.status).toBe(400);
    expect((await problemOf(wrong)).errors?.[0]?.field).toBe('body.code');
    expect((await as(user, 'POST', '/api/v1/auth/2fa/enable', { code: '12ab' })).status).toBe(400);
    expect((await login(user)).status).toBe(200);
  });

  it('stores the secret encrypted, never in clear', async () => {
    const user = await enrolled();
    const stores = testStores();
    const [row] = await inTenantTx(stores.pg('auth').db, user.tenantId, (tx) =>
      tx.select().from(users).where(eq(users.id, user.id)),
    );
    await stores.close();
    expect(row!.tfaEnabled).toBe(true);
    expect(row!.tfaSecret).toMatch(/^v1\./);
    expect(row!.tfaSecret).not.toContain(user.secret);
  });

  it('login asks for the code; the right code signs in, and the same code cannot be replayed', async () => {
    const user = await enrolled();
    const first = await login(user);
    expect(first.status).toBe(200);
    const challenge = (await first.json()) as { tfaRequired: boolean; challengeToken: string; tokens?: unknown };
    expect(challenge.tfaRequired).toBe(true);
    expect(challenge.tokens).toBeUndefined();

    const code = await codeAt(user.secret);
    const ok = await postJson('/api/v1/auth/login/2fa', { challengeToken: challenge.challengeToken, code });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { tokens: { accessToken: string } }).tokens.accessToken).toBeTruthy();

    const again = (await (await login(user)).json()) as { challengeToken: string };
    const replay = await postJson('/api/v1/auth/login/2fa', { challengeToken: again.challengeToken, code });
    expect(replay.status).toBe(401);
  });

  it('a forged or wrong-purpose challenge is refused; an access token is not a challenge', async () => {
    const user = await enrolled();
    const code = await codeAt(user.secret);
    expect((await postJson('/api/v1/auth/login/2fa', { challengeToken: user.accessToken, code })).status).toBe(401);
    expect((await postJson('/api/v1/auth/login/2fa', { challengeToken: 'x.y.z', code })).status).toBe(401);
  });

  it('wrong codes count towards the lockout', async () => {
    const user = await enrolled();
    const { challengeToken } = (await (await login(user)).json()) as { challengeToken: string };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await postJson('/api/v1/auth/login/2fa', { challengeToken, code: '000000' })).status);
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses[4]).toBe(423);
  });

  it('disable needs a valid, unused code', async () => {
    const user = await enrolled();
    expect((await as(user, 'POST', '/api/v1/auth/2fa/disable', { code: '000000' })).status).toBe(400);
    expect((await as(user, 'POST', '/api/v1/auth/2fa/setup')).status).toBe(409);
    expect((await as(user, 'POST', '/api/v1/auth/2fa/disable', { code: await codeAt(user.secret) })).status).toBe(204);
    const res = await login(user);
    expect(((await res.json()) as { tokens?: unknown }).tokens).toBeTruthy();
  });

  it('wrong codes at disable count towards the lockout: paused, then 423 even for the right code; sessions stay', async () => {
    const user = await enrolled();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await as(user, 'POST', '/api/v1/auth/2fa/disable', { code: '000000' })).status);
    expect(statuses).toEqual([400, 400, 400, 400, 423]);
    expect((await as(user, 'POST', '/api/v1/auth/2fa/disable', { code: await codeAt(user.secret) })).status).toBe(423);
    expect((await login(user)).status).toBe(423);
    expect((await postJson('/api/v1/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(200);
    const stores = testStores();
    const [row] = await inTenantTx(stores.pg('auth').db, user.tenantId, (tx) =>
      tx.select().from(users).where(eq(users.id, user.id)),
    );
    await stores.close();
    expect(row).toMatchObject({ accountLocked: false, tfaEnabled: true, failedLoginAttempts: 5 });
    expect(row!.lockedUntil!.getTime()).toBeGreaterThan(Date.now());
  });

  it('wrong codes at enable count towards the lockout too', async () => {
    const user = await registerUser(await createTenant());
    expect((await as(user, 'POST', '/api/v1/auth/2fa/setup')).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await as(user, 'POST', '/api/v1/auth/2fa/enable', { code: '000000' })).status);
    expect(statuses).toEqual([400, 400, 400, 400, 423]);
    expect((await login(user)).status).toBe(423);
  });

  it('a wrong code and a wrong password add up to one count', async () => {
    const user = await enrolled();
    for (let i = 0; i < 3; i++)
      expect((await as(user, 'POST', '/api/v1/auth/2fa/disable', { code: '000000' })).status).toBe(400);
    const wrong = () =>
      postJson(
        '/api/v1/auth/login',
        { login: user.email, password: 'Wrong-Password-1' },
        { 'x-tenant-id': user.tenantId },
      );
    expect((await wrong()).status).toBe(401);
    expect((await wrong()).status).toBe(423);
  });

  it('2FA setup, enable and disable refuse API keys (403) and count nothing', async () => {
    const user = await enrolled();
    const created = await as(user, 'POST', '/api/v1/auth/api-keys', { name: 'ro', scopes: ['read:products'] });
    const { key } = (await created.json()) as { key: string };
    for (let i = 0; i < 6; i++) {
      const res = await call('/api/v1/auth/2fa/disable', {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify({ code: '000000' }),
      });
      expect(res.status).toBe(403);
    }
    expect((await login(user)).status).toBe(200);
    expect((await as(user, 'POST', '/api/v1/auth/2fa/disable', { code: await codeAt(user.secret) })).status).toBe(204);
  });
});
