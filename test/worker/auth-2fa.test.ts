import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';

import { users } from '../../src/db/pg/schema/index.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import { totpCode, totpStep } from '../../src/lib/totp.ts';
import {
  api,
  apiAs,
  challengeOf,
  createTenant,
  jsonOf,
  problemOf,
  registerUser,
  sessionOf,
  type TestUser,
} from '../fixtures/index.ts';
import { testStores } from './stores.ts';

const codeAt = (secret: string, offsetSteps = 0) => totpCode(secret, totpStep(Date.now()) + offsetSteps);

const tfa = (user: TestUser) => apiAs(user).auth['2fa'];
const enable = (user: TestUser, code: string) => tfa(user).enable.$post({ json: { code } });
const disable = (user: TestUser, code: string) => tfa(user).disable.$post({ json: { code } });

async function enrolled(): Promise<TestUser & { secret: string }> {
  const user = await registerUser(await createTenant());
  const { secret, otpauthUrl } = await jsonOf(await tfa(user).setup.$post(), 200);
  expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
  expect(otpauthUrl).toContain(`secret=${secret}`);
  expect((await enable(user, await codeAt(secret, -1))).status).toBe(204);
  return { ...user, secret };
}

const login = (user: TestUser) =>
  apiAs({ tenantId: user.tenantId }).auth.login.$post({
    header: {},
    json: { login: user.email, password: user.password },
  });
const secondFactor = (challengeToken: string, code: string) =>
  api.auth.login['2fa'].$post({ json: { challengeToken, code } });

/** The challenge a sign-in of an enrolled user answers with (fails on a session). */
const challenge = async (user: TestUser) => challengeOf(await jsonOf(await login(user), 200));

describe('two-factor authentication', () => {
  it('is not enabled by setup alone, and refuses a wrong code at enable', async () => {
    const user = await registerUser(await createTenant());
    await tfa(user).setup.$post();
    const wrong = await enable(user, '000000');
    expect(wrong.status).toBe(400);
    expect((await problemOf(wrong)).errors?.[0]?.field).toBe('body.code');
    expect((await enable(user, '12ab')).status).toBe(400);
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
    const first = await challenge(user);
    expect(first.tfaRequired).toBe(true);
    expect('tokens' in first).toBe(false);

    const code = await codeAt(user.secret);
    const ok = await secondFactor(first.challengeToken, code);
    expect((await jsonOf(ok, 200)).tokens.accessToken).toBeTruthy();

    const again = await challenge(user);
    const replay = await secondFactor(again.challengeToken, code);
    expect(replay.status).toBe(401);
  });

  it('a forged or wrong-purpose challenge is refused; an access token is not a challenge', async () => {
    const user = await enrolled();
    const code = await codeAt(user.secret);
    expect((await secondFactor(user.accessToken, code)).status).toBe(401);
    expect((await secondFactor('x.y.z', code)).status).toBe(401);
  });

  it('wrong codes count towards the lockout', async () => {
    const user = await enrolled();
    const { challengeToken } = await challenge(user);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await secondFactor(challengeToken, '000000')).status);
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses[4]).toBe(423);
  });

  it('disable needs a valid, unused code', async () => {
    const user = await enrolled();
    expect((await disable(user, '000000')).status).toBe(400);
    expect((await tfa(user).setup.$post()).status).toBe(409);
    expect((await disable(user, await codeAt(user.secret))).status).toBe(204);
    expect(sessionOf(await jsonOf(await login(user), 200)).tokens).toBeTruthy();
  });

  it('wrong codes at disable count towards the lockout: paused, then 423 even for the right code; sessions stay', async () => {
    const user = await enrolled();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await disable(user, '000000')).status);
    expect(statuses).toEqual([400, 400, 400, 400, 423]);
    expect((await disable(user, await codeAt(user.secret))).status).toBe(423);
    expect((await login(user)).status).toBe(423);
    expect((await api.auth.refresh.$post({ json: { refreshToken: user.refreshToken } })).status).toBe(200);
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
    expect((await tfa(user).setup.$post()).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await enable(user, '000000')).status);
    expect(statuses).toEqual([400, 400, 400, 400, 423]);
    expect((await login(user)).status).toBe(423);
  });

  it('a wrong code and a wrong password add up to one count', async () => {
    const user = await enrolled();
    for (let i = 0; i < 3; i++) expect((await disable(user, '000000')).status).toBe(400);
    const wrong = () => login({ ...user, password: 'Wrong-Password-1' });
    expect((await wrong()).status).toBe(401);
    expect((await wrong()).status).toBe(423);
  });

  it('2FA setup, enable and disable refuse API keys (403) and count nothing', async () => {
    const user = await enrolled();
    const created = await apiAs(user).auth['api-keys'].$post({ json: { name: 'ro', scopes: ['read:products'] } });
    const { key } = await jsonOf(created, 201);
    for (let i = 0; i < 6; i++) {
      const res = await apiAs({ apiKey: key }).auth['2fa'].disable.$post({ json: { code: '000000' } });
      expect(res.status).toBe(403);
    }
    expect((await login(user)).status).toBe(200);
    expect((await disable(user, await codeAt(user.secret))).status).toBe(204);
  });
});
