import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

import { clientKey } from '../../src/middleware/rate-limit.ts';
import { postJson, problemOf, randomClientIp } from './helpers.ts';
import { as, createTenant, registerUser } from './identity-helpers.ts';

/**
 * Rate limits of the sign-in routes, against the bindings of wrangler.toml as they
 * are deployed (AUTH_CLIENT_LIMITER 20 and AUTH_ACCOUNT_LIMITER 10 attempts per route
 * per 60 s). The simulated windows are aligned to the clock, so a run that straddles a
 * window boundary may pass up to twice the limit: each test asserts that the first
 * `limit` attempts pass and that a 429 comes within `2 * limit + 1`.
 */
const CLIENT_LIMIT = 20;
const ACCOUNT_LIMIT = 10;

async function until429(
  limit: number,
  attempt: (i: number) => Promise<Response>,
): Promise<{ statuses: number[]; refused: Response }> {
  const statuses: number[] = [];
  for (let i = 0; i < 2 * limit + 1; i++) {
    const res = await attempt(i);
    statuses.push(res.status);
    if (res.status === 429) return { statuses, refused: res };
    await res.body?.cancel();
  }
  throw new Error(`no 429 after ${statuses.length} attempts: ${statuses.join(',')}`);
}

async function expectTooMany(res: Response) {
  expect(res.headers.get('retry-after')).toBe('60');
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect((await problemOf(res)).type).toMatch(/too-many-requests$/);
}

describe('rate limits on sign-in', () => {
  it('per client: rapid failed logins for different usernames from one address end in 429 with Retry-After', async () => {
    const tenantId = await createTenant();
    const ip = randomClientIp();
    const { statuses, refused } = await until429(CLIENT_LIMIT, (i) =>
      postJson(
        '/api/v1/auth/login',
        { login: `nobody-${i}-${crypto.randomUUID()}`, password: 'Wrong-Password-1' },
        { 'x-tenant-id': tenantId, 'cf-connecting-ip': ip },
      ),
    );
    expect(statuses.slice(0, CLIENT_LIMIT)).toEqual(Array(CLIENT_LIMIT).fill(401));
    await expectTooMany(refused);
    // Another client is not affected.
    const other = await postJson(
      '/api/v1/auth/login',
      { login: 'someone', password: 'Wrong-Password-1' },
      { 'x-tenant-id': tenantId, 'cf-connecting-ip': randomClientIp() },
    );
    expect(other.status).toBe(401);
  });

  it('per account: one login name tried from many addresses ends in 429', async () => {
    const tenantId = await createTenant();
    const name = `target-${crypto.randomUUID()}`;
    const { statuses, refused } = await until429(ACCOUNT_LIMIT, () =>
      postJson(
        '/api/v1/auth/login',
        { login: name, password: 'Wrong-Password-1' },
        { 'x-tenant-id': tenantId, 'cf-connecting-ip': randomClientIp() },
      ),
    );
    expect(statuses.slice(0, ACCOUNT_LIMIT)).toEqual(Array(ACCOUNT_LIMIT).fill(401));
    await expectTooMany(refused);
    // The account key ignores letter case and surrounding spaces.
    const variant = await postJson(
      '/api/v1/auth/login',
      { login: ` ${name.toUpperCase()} `, password: 'Wrong-Password-1' },
      { 'x-tenant-id': tenantId, 'cf-connecting-ip': randomClientIp() },
    );
    expect(variant.status).toBe(429);
  });

  it('per account on a tenant domain: another port or letter case of the Host is the same account', async () => {
    const domain = `limits-${crypto.randomUUID().slice(0, 8)}.example.com`;
    await createTenant({ domain });
    const name = `target-${crypto.randomUUID()}`;
    const { statuses, refused } = await until429(ACCOUNT_LIMIT, (i) =>
      exports.default.fetch(
        new Request(`https://${i % 2 ? domain.toUpperCase() : domain}:${8000 + i}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'cf-connecting-ip': randomClientIp() },
          body: JSON.stringify({ login: name, password: 'Wrong-Password-1' }),
        }),
      ),
    );
    expect(statuses.slice(0, ACCOUNT_LIMIT)).toEqual(Array(ACCOUNT_LIMIT).fill(401));
    await expectTooMany(refused);
  });

  it('per client on refresh and registration', async () => {
    const tenantId = await createTenant();
    const ip = randomClientIp();
    const refresh = await until429(CLIENT_LIMIT, () =>
      postJson(
        '/api/v1/auth/refresh',
        { refreshToken: `rt_${tenantId}_${crypto.randomUUID()}` },
        { 'cf-connecting-ip': ip },
      ),
    );
    expect(refresh.statuses.slice(0, CLIENT_LIMIT)).toEqual(Array(CLIENT_LIMIT).fill(401));
    await expectTooMany(refresh.refused);

    // Distinct emails: the same email would run into the per-account limit (10) first.
    const register = await until429(CLIENT_LIMIT, (i) =>
      postJson(
        '/api/v1/auth/register',
        { email: `bad-${i}-${crypto.randomUUID()}`, username: 'x', password: 'short' },
        { 'x-tenant-id': tenantId, 'cf-connecting-ip': ip },
      ),
    );
    expect(register.statuses.slice(0, CLIENT_LIMIT)).toEqual(Array(CLIENT_LIMIT).fill(400));
    await expectTooMany(register.refused);
  });

  it('per client on the 2FA login step, invitation acceptance and social sign-in', async () => {
    const tenantId = await createTenant();
    for (const [path, body] of [
      ['/api/v1/auth/login/2fa', { challengeToken: 'x.y.z', code: '000000' }],
      ['/api/v1/auth/invitations/accept', { invitationToken: 'x.y.z', password: 'Correct-Horse-42' }],
      ['/api/v1/auth/oauth/google', { idToken: 'x.y.z' }],
    ] as const) {
      const ip = randomClientIp();
      const { statuses, refused } = await until429(CLIENT_LIMIT, () =>
        postJson(path, body, { 'x-tenant-id': tenantId, 'cf-connecting-ip': ip }),
      );
      expect(statuses.slice(0, CLIENT_LIMIT), path).toEqual(Array(CLIENT_LIMIT).fill(401));
      await expectTooMany(refused);
    }
  });

  it('per account on registration: one email from many addresses', async () => {
    const tenantId = await createTenant();
    const email = `taken-${crypto.randomUUID()}@example.com`;
    const { statuses, refused } = await until429(ACCOUNT_LIMIT, () =>
      postJson(
        '/api/v1/auth/register',
        { email, username: 'x', password: 'short' },
        { 'x-tenant-id': tenantId, 'cf-connecting-ip': randomClientIp() },
      ),
    );
    expect(statuses.slice(0, ACCOUNT_LIMIT)).toEqual(Array(ACCOUNT_LIMIT).fill(400));
    await expectTooMany(refused);
  });

  it('per account on the 2FA routes: one user from many addresses', async () => {
    const user = await registerUser(await createTenant());
    const { statuses, refused } = await until429(ACCOUNT_LIMIT, () =>
      as(user, 'POST', '/api/v1/auth/2fa/enable', { code: '12ab' }),
    );
    // 400: the code is malformed (validation runs after the limit), so nothing counts towards the lockout.
    expect(statuses.slice(0, ACCOUNT_LIMIT)).toEqual(Array(ACCOUNT_LIMIT).fill(400));
    await expectTooMany(refused);
  });
});

describe('client keys', () => {
  it('IPv4 as is (also IPv4-mapped), IPv6 by its /64 however it is written, none as one shared bucket', () => {
    expect(clientKey('192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:DB8:1:2:0:0:0:9')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('2001:db8:1:3::1')).not.toBe(clientKey('2001:db8:1:2::1'));
    expect(clientKey(undefined)).toBe('unknown');
    expect(clientKey('  ')).toBe('unknown');
  });
});
